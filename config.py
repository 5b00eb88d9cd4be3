"""Settings for Sigap: the only module that reads the environment (and `.env`)."""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent


# Keys the audit trail's hashes outside production only: anyone can read it here, so a chain
# written under it proves nothing against a database administrator.
DEVELOPMENT_AUDIT_KEY = "sigap-DEVELOPMENT-audit-key-NOT-SECRET"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


def _load_dotenv() -> None:
    env_file = BASE_DIR / ".env"
    if env_file.exists():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)


def normalise_database_url(url: str) -> str:
    """Accept the plain `postgresql://` form and pick the psycopg 3 driver."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _check_database_url(url: str) -> str:
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {url.split(':')[0]!r})"
        )
    return url


def _int(env: dict, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: dict, name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1/0, true/false, yes/no or on/off, got {raw!r}")


def _url(env: dict, name: str, default: str | None) -> str | None:
    raw = env.get(name) or default
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _storage(uri: str) -> str:
    if not uri.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
        raise ConfigError(f"RATELIMIT_STORAGE_URI must be memory:// or a redis:// URL, got {uri!r}")
    return uri


def _choice(env: dict, name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _networks(env: dict, name: str, default: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (10.0.0.5, 10.0.0.0/24, ::1), checked and kept as strings."""
    import ipaddress

    raw = env.get(name) or default
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ConfigError(f"{name} must list IP addresses or networks (e.g. 127.0.0.1,10.0.0.0/24), "
                              f"got {part!r}") from None
    if not networks:
        raise ConfigError(f"{name} must list at least one IP address or network")
    return tuple(networks)


def _tiles(env: dict) -> tuple[str | None, str | None]:
    """The map's tile server: an http(s) URL template with {z}, {x} and {y}, and its attribution (both or neither)."""
    url = (env.get("SIGAP_MAP_TILE_URL") or "").strip()
    attribution = (env.get("SIGAP_MAP_TILE_ATTRIBUTION") or "").strip()
    if not url and not attribution:
        return None, None
    if not url or not attribution:
        raise ConfigError("SIGAP_MAP_TILE_URL and SIGAP_MAP_TILE_ATTRIBUTION go together: a tile server's licence "
                          "asks for its attribution on the map")
    parsed = urlparse(url.replace("{s}", "a"))
    if parsed.scheme not in ("http", "https") or not parsed.netloc or any(
            part not in url for part in ("{z}", "{x}", "{y}")):
        raise ConfigError("SIGAP_MAP_TILE_URL must be an http(s) URL template with {z}, {x} and {y}, e.g. "
                          f"https://tile.example.org/{{z}}/{{x}}/{{y}}.png, got {url!r}")
    if re.search(r"[\s;,'\"<>]", url):
        raise ConfigError(f"SIGAP_MAP_TILE_URL must not contain spaces, quotes, ';' or ',', got {url!r}")
    return url, attribution


def _rate(env: dict, name: str, allow_off: bool = False) -> str | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if allow_off and raw.lower() == "off":
        return "off"
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        also = " or 'off'" if allow_off else ""
        raise ConfigError(f"{name} must be a rate such as '120/minute' or '10/second;1000/hour'{also}, got {raw!r}") from None
    return raw


@dataclass
class Settings:
    database_url: str
    secret_key: str
    port: int = 5000
    run_scheduler: bool = False
    production: bool = False
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    public_base_url: str | None = None
    # Kannel (smsbox) as an SMS gateway beside Twilio: sendsms URL and its sendsms-user, the secret
    # smsbox's get-url and dlr-url carry, the addresses allowed to call those webhooks, and the base
    # URL smsbox reaches Sigap at for delivery reports (default PUBLIC_BASE_URL).
    kannel_sendsms_url: str | None = None
    kannel_username: str | None = None
    kannel_password: str | None = None
    kannel_secret: str | None = None
    kannel_allowed_addresses: tuple = ("127.0.0.1/32", "::1/128")
    kannel_callback_base_url: str | None = None
    gazetteer_dir: Path = BASE_DIR / "node_modules" / "idn-area-data" / "data"
    api_rate_limit: str | None = None  # per API token, e.g. "120/minute"
    # per client address: calls presenting an unknown or revoked API token/api_key (default 20/minute)
    unknown_token_rate_limit: str | None = None
    open311_default_jurisdiction: str | None = None
    webhook_allow_private_hosts: bool | None = None  # partner webhook URLs into our own network
    ratelimit_storage_uri: str = "memory://"  # redis://... shares the counters between workers
    webhook_rate_limit: str | None = None  # per source address on each webhook (default 1200/minute)
    proxy_count: int = 0  # proxies in front that set X-Forwarded-*
    log_format: str = "text"  # "json" in production
    # production /healthz: how long after the start a missing or stale scheduler is "starting", not 503
    health_startup_grace_seconds: int = 120
    max_content_length: int = 1_000_000
    # outbox messages older than this (delivered or given up) are dropped, a month at a time on PostgreSQL
    outbox_retention_days: int = 400
    # HMAC key of the audit trail (SIGAP_AUDIT_KEY); the previous one while `audit rekey` rotates it
    audit_key: str = DEVELOPMENT_AUDIT_KEY
    audit_previous_key: str | None = None
    # The test suite's cheap argon2 parameters (SIGAP_TEST_FAST_PASSWORD_HASHES); refused in production.
    fast_password_hashes: bool = False
    # The dashboard map's base layer: a tile server's URL template ({z}/{x}/{y}, optional {s}) and the
    # attribution its licence asks for (SIGAP_MAP_TILE_URL, SIGAP_MAP_TILE_ATTRIBUTION). Unset: no base map.
    map_tile_url: str | None = None
    map_tile_attribution: str | None = None
    extra: dict = field(default_factory=dict)

    def flask_config(self) -> dict:
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "SIGAP_SETTINGS": self,
            "JSON_SORT_KEYS": False,
        }


def load_settings(env: dict | None = None, **overrides) -> Settings:
    """Build settings from the environment; raises ConfigError with one clear line."""
    if env is None:
        _load_dotenv()
        env = dict(os.environ)
    production = _bool(env, "SIGAP_PRODUCTION", False)
    default_db = f"sqlite:///{BASE_DIR / 'instance' / 'sigap.db'}"
    database_url = _check_database_url(normalise_database_url(env.get("DATABASE_URL") or default_db))
    secret_key = env.get("SECRET_KEY") or ""
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY is required when SIGAP_PRODUCTION=1")
        secret_key = "dev-" + secrets.token_hex(16)
    elif production and len(secret_key) < 16:
        raise ConfigError("SECRET_KEY must be at least 16 characters in production")
    twilio = [env.get(k) for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")]
    if any(twilio) and not all(twilio):
        raise ConfigError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER go together: set all three or none")
    kannel = [env.get(k) for k in ("KANNEL_SENDSMS_URL", "KANNEL_USERNAME", "KANNEL_PASSWORD", "KANNEL_SECRET")]
    if any(kannel) and not all(kannel):
        raise ConfigError("KANNEL_SENDSMS_URL, KANNEL_USERNAME, KANNEL_PASSWORD and KANNEL_SECRET go together: "
                          "set all four or none")
    if kannel[3] and not re.fullmatch(r"[A-Za-z0-9_-]{16,}", kannel[3]):
        # It travels inside URLs Kannel rewrites (%d, %A ...): letters, digits, '-' and '_' only.
        raise ConfigError("KANNEL_SECRET must be at least 16 letters, digits, '-' or '_' (python -c "
                          "'import secrets; print(secrets.token_urlsafe(24))')")
    if env.get("TELEGRAM_BOT_TOKEN") and production and not env.get("TELEGRAM_WEBHOOK_SECRET"):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_BOT_TOKEN in production")
    audit_key = env.get("SIGAP_AUDIT_KEY") or ""
    if not audit_key:
        if production:
            raise ConfigError("SIGAP_AUDIT_KEY is required when SIGAP_PRODUCTION=1 (the secret, kept outside the "
                              "database, that keys the audit trail's hashes; e.g. `openssl rand -hex 32`)")
        audit_key = DEVELOPMENT_AUDIT_KEY
    elif len(audit_key) < 16 or (production and audit_key == DEVELOPMENT_AUDIT_KEY):
        raise ConfigError("SIGAP_AUDIT_KEY must be a secret of at least 16 characters (e.g. `openssl rand -hex 32`)")
    gazetteer_dir = env.get("SIGAP_GAZETTEER_DIR")
    fast_password_hashes = _bool(env, "SIGAP_TEST_FAST_PASSWORD_HASHES", False)
    if fast_password_hashes and production:
        raise ConfigError("SIGAP_TEST_FAST_PASSWORD_HASHES is for the test suite only: unset it when SIGAP_PRODUCTION=1")
    tile_url, tile_attribution = _tiles(env)
    settings = Settings(
        database_url=database_url,
        secret_key=secret_key,
        port=_int(env, "PORT", 5000, 1, 65535),
        run_scheduler=_bool(env, "SIGAP_RUN_SCHEDULER", False),
        production=production,
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
        telegram_api_base_url=_url(env, "TELEGRAM_API_BASE_URL", "https://api.telegram.org"),
        twilio_account_sid=twilio[0] or None,
        twilio_auth_token=twilio[1] or None,
        twilio_from_number=twilio[2] or None,
        twilio_api_base_url=_url(env, "TWILIO_API_BASE_URL", "https://api.twilio.com"),
        public_base_url=_url(env, "PUBLIC_BASE_URL", None),
        kannel_sendsms_url=_url(env, "KANNEL_SENDSMS_URL", None),
        kannel_username=kannel[1] or None,
        kannel_password=kannel[2] or None,
        kannel_secret=kannel[3] or None,
        kannel_allowed_addresses=_networks(env, "KANNEL_ALLOWED_ADDRESSES", "127.0.0.1/32,::1/128"),
        kannel_callback_base_url=_url(env, "KANNEL_CALLBACK_BASE_URL", None),
        gazetteer_dir=Path(gazetteer_dir) if gazetteer_dir else BASE_DIR / "node_modules" / "idn-area-data" / "data",
        api_rate_limit=_rate(env, "SIGAP_API_RATE_LIMIT", allow_off=True),
        ratelimit_storage_uri=_storage(env.get("RATELIMIT_STORAGE_URI") or "memory://"),
        unknown_token_rate_limit=_rate(env, "SIGAP_UNKNOWN_TOKEN_RATE_LIMIT"),
        webhook_rate_limit=_rate(env, "SIGAP_WEBHOOK_RATE_LIMIT"),
        health_startup_grace_seconds=_int(env, "SIGAP_HEALTH_STARTUP_GRACE_SECONDS", 120, 0, 3600),
        proxy_count=_int(env, "SIGAP_PROXY_COUNT", 0, 0, 5),
        outbox_retention_days=_int(env, "SIGAP_OUTBOX_RETENTION_DAYS", 400, 31, 36500),
        log_format=_choice(env, "SIGAP_LOG_FORMAT", "json" if production else "text", ("json", "text")),
        open311_default_jurisdiction=env.get("OPEN311_DEFAULT_JURISDICTION") or None,
        audit_key=audit_key,
        audit_previous_key=env.get("SIGAP_AUDIT_PREVIOUS_KEY") or None,
        fast_password_hashes=fast_password_hashes,
        map_tile_url=tile_url,
        map_tile_attribution=tile_attribution,
        # Unset: allowed in development, refused in production (decided where it is used).
        webhook_allow_private_hosts=(_bool(env, "SIGAP_WEBHOOK_ALLOW_PRIVATE_HOSTS", False)
                                     if env.get("SIGAP_WEBHOOK_ALLOW_PRIVATE_HOSTS") else None),
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings
