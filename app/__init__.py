"""Sigap: citizen complaint SLA tracker. `create_app()` is the application factory."""
from __future__ import annotations

import logging

from flask import Flask

from app.clock import Clock, SystemClock
from app.db import make_engine, make_sessionmaker
from app.extensions import SigapState, close_session
from config import Settings, load_settings


def create_app(settings: Settings | None = None, clock: Clock | None = None, engine=None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__, instance_relative_config=True)
    from app import inbound

    inbound.install(app)  # how every request's input is read (JSON depth, NaN, NUL)
    app.config.update(settings.flask_config())
    if settings.fast_password_hashes:
        from app.services.access import accounts

        accounts.use_fast_password_hashes()
    engine = engine or make_engine(settings.database_url)
    from app.channels.senders import build_senders

    app.extensions["sigap"] = SigapState(
        settings=settings, engine=engine,
        sessionmaker=make_sessionmaker(engine, settings.audit_key, settings.public_base_url), clock=clock or SystemClock(),
        build_senders=build_senders,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines print Bot API URLs, token included

    from app.errors import register_error_handlers
    from app.channels.api import bp as api_bp
    from app.web.health import bp as health_bp
    from app.cli import register_cli

    from app.channels.open311 import bp as open311_bp
    from app.channels.kannel import bp as kannel_bp
    from app.channels.sms import bp as sms_bp
    from app.channels.telegram import bp as telegram_bp
    from app.web import register_web

    from app import observability, security

    observability.init_app(app)
    security.init_app(app)
    register_error_handlers(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(telegram_bp, url_prefix="/webhooks/telegram")
    app.register_blueprint(sms_bp, url_prefix="/webhooks/twilio")
    # Not under the per-address webhook limit: one smsbox carries every citizen's SMS (allow-list + secret).
    app.register_blueprint(kannel_bp, url_prefix="/webhooks/kannel")
    from app.channels.sms.demo import demo_bp

    app.register_blueprint(demo_bp, url_prefix="/demo")
    app.register_blueprint(open311_bp, url_prefix="/open311/v2")
    register_web(app)
    from app.web import performance as performance_pages

    performance_pages.install(app)
    register_cli(app)
    app.teardown_appcontext(close_session)
    if settings.twilio_account_sid:
        # Checked at the first request, not here: the factory opens no connection (a test's or a
        # migration's open transaction would otherwise make it wait for SQLite's write lock).
        checked: list[bool] = []

        @app.before_request
        def _whatsapp_templates_once() -> None:
            if not checked:
                checked.append(True)
                _log_missing_whatsapp_templates(app)
    return app


def _log_missing_whatsapp_templates(app: Flask) -> None:
    """At a process's first request, the WhatsApp templates without an approved content SID: outside the 24-hour window
    those messages go by SMS or Telegram instead (docs/deploy.md says how to register them)."""
    from app.services.messaging import whatsapp

    log = logging.getLogger("sigap.whatsapp")
    try:
        with app.extensions["sigap"].sessionmaker() as session:
            names = whatsapp.missing(session)
    except Exception as exc:  # noqa: BLE001 - before `db upgrade` the table is not there yet
        log.warning("WhatsApp templates not checked: %s", type(exc).__name__)
        return
    if names:
        log.warning("WhatsApp templates without a content SID (%d; outside the 24-hour window these go by the "
                    "next channel): %s", len(names), ", ".join(names))
