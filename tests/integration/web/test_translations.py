"""Every staff-web text has an Indonesian translation, and the compiled catalogue matches its source."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "app" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
# The performance pages (issue 7) live beside the staff web and bring their own texts.
NOT_OURS = ("performance",)


def _texts_in_the_web_code() -> set[str]:
    found = set()
    for filename, _line, message, _comments, _context in extract_from_dir(
            ROOT / "app" / "web", METHODS, keywords={"_": None, "gettext": None}):
        if any(part in NOT_OURS for part in Path(filename).with_suffix("").parts):
            continue
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_of_the_staff_web_is_translated_to_indonesian():
    with open(PO, "rb") as f:
        catalogue = read_po(f)
    translated = {m.id for m in catalogue if m.id and m.string}
    missing = sorted(_texts_in_the_web_code() - translated)
    assert not missing, f"add Indonesian for these to {PO.relative_to(ROOT)} (then pybabel compile): {missing}"


def test_the_compiled_catalogue_is_up_to_date_with_its_source():
    with open(PO, "rb") as f:
        source = {m.id: m.string for m in read_po(f) if m.id and m.string}
    with open(MO, "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == source, "run: pybabel compile -d app/translations -D messages"
