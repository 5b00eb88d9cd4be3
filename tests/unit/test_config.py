"""Settings: defaults that work, and one clear line for anything missing or malformed."""
import subprocess
import sys

import pytest

from config import ConfigError, load_settings
from tests.conftest import ROOT


def test_defaults_need_nothing_set():
    settings = load_settings(env={})
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("instance/sigap.db")
    assert settings.port == 5000 and settings.run_scheduler is False
    assert settings.telegram_api_base_url == "https://api.telegram.org"


def test_the_plain_postgresql_url_form_works():
    settings = load_settings(env={"DATABASE_URL": "postgresql://sigap@127.0.0.1:5432/sigap"})
    assert settings.database_url == "postgresql+psycopg://sigap@127.0.0.1:5432/sigap"


@pytest.mark.parametrize("env,message", [
    ({"PORT": "eighty"}, "PORT must be a whole number"),
    ({"PORT": "70000"}, "PORT must be between"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with"),
    ({"SIGAP_RUN_SCHEDULER": "perhaps"}, "SIGAP_RUN_SCHEDULER must be"),
    ({"TWILIO_ACCOUNT_SID": "AC123"}, "go together"),
    ({"TELEGRAM_API_BASE_URL": "localhost:9999"}, "TELEGRAM_API_BASE_URL must be an http(s) URL"),
    ({"SIGAP_PRODUCTION": "1"}, "SECRET_KEY is required"),
    ({"SIGAP_PRODUCTION": "1", "SECRET_KEY": "a-long-production-secret"}, "SIGAP_AUDIT_KEY is required"),
    ({"SIGAP_AUDIT_KEY": "short"}, "SIGAP_AUDIT_KEY must be a secret of at least 16 characters"),
    ({"SIGAP_API_RATE_LIMIT": "lots"}, "SIGAP_API_RATE_LIMIT must be a rate such as '120/minute'"),
    ({"SIGAP_WEBHOOK_RATE_LIMIT": "off"}, "SIGAP_WEBHOOK_RATE_LIMIT must be a rate"),
    ({"SIGAP_UNKNOWN_TOKEN_RATE_LIMIT": "off"}, "SIGAP_UNKNOWN_TOKEN_RATE_LIMIT must be a rate"),
    ({"SIGAP_HEALTH_STARTUP_GRACE_SECONDS": "soon"}, "SIGAP_HEALTH_STARTUP_GRACE_SECONDS must be a whole number"),
    ({"SIGAP_HEALTH_STARTUP_GRACE_SECONDS": "7200"}, "SIGAP_HEALTH_STARTUP_GRACE_SECONDS must be between 0 and 3600"),
    ({"SIGAP_PRODUCTION": "1", "SECRET_KEY": "a-long-production-secret", "SIGAP_AUDIT_KEY": "k" * 32,
      "SIGAP_TEST_FAST_PASSWORD_HASHES": "1"}, "SIGAP_TEST_FAST_PASSWORD_HASHES is for the test suite only"),
])
def test_malformed_settings_fail_with_one_clear_line(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        load_settings(env=env)
    assert "\n" not in str(exc.value)


def test_the_api_limit_can_be_switched_off_for_a_gateway_in_front():
    assert load_settings(env={"SIGAP_API_RATE_LIMIT": "OFF"}).api_rate_limit == "off"
    assert load_settings(env={"SIGAP_API_RATE_LIMIT": "100/minute;5000/day"}).api_rate_limit == "100/minute;5000/day"


def test_guessed_tokens_and_the_health_grace_have_settings_with_safe_defaults():
    defaults = load_settings(env={})
    assert defaults.unknown_token_rate_limit is None  # 20/minute per address, app/channels/api/ratelimit.py
    assert defaults.health_startup_grace_seconds == 120
    chosen = load_settings(env={"SIGAP_UNKNOWN_TOKEN_RATE_LIMIT": "10/minute;100/hour",
                                "SIGAP_HEALTH_STARTUP_GRACE_SECONDS": "300"})
    assert chosen.unknown_token_rate_limit == "10/minute;100/hour" and chosen.health_startup_grace_seconds == 300


def test_the_flask_command_prints_one_line_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"], cwd=ROOT, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PORT": "eighty", "HOME": str(tmp_path)}, timeout=60,
    )
    assert result.returncode != 0
    assert "PORT must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_passwords_are_hashed_with_argon2s_standard_parameters_unless_the_test_suite_asks():
    from argon2 import PasswordHasher, extract_parameters

    from app.services.access import accounts

    assert load_settings(env={}).fast_password_hashes is False
    standard = PasswordHasher().hash("a long secret")
    assert extract_parameters(standard).memory_cost == 65536
    accounts.use_fast_password_hashes()  # what the suite's settings do (tests/conftest.py)
    assert extract_parameters(accounts.hash_password("a long secret")).memory_cost == 8
    assert accounts.verify_password(standard, "a long secret")  # a hash carries its own parameters
    assert not accounts.verify_password(standard, "another secret")
