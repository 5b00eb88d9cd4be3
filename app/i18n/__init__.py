"""Message catalogue for everything a citizen or staff member receives by message.

Each module in app/i18n/catalogues/ exports MESSAGES = {"key": {"id": "...", "en": "..."}};
texts use str.format placeholders. Indonesian is the default; English on request."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    from app.i18n import catalogues

    merged: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(catalogues.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{catalogues.__name__}.{info.name}")
        for key, texts in getattr(module, "MESSAGES", {}).items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} defined twice (in {info.name})")
            merged[key] = texts
    return merged


def normalise_language(lang: str | None) -> str:
    """One of LANGUAGES; anything else (an unknown code, a number sent as the language) is the default."""
    lang = (lang if isinstance(lang, str) else "").lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **params) -> str:
    """The text for `key` in `lang` (falling back to Indonesian), formatted with params."""
    texts = catalogue()[key]
    template = texts.get(normalise_language(lang)) or texts[DEFAULT_LANGUAGE]
    return template.format(**params) if params else template
