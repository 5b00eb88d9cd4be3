"""The operator hears which WhatsApp templates still lack an approved content SID when a web process
starts serving, and creating the app never waits on the database."""
from __future__ import annotations

import logging

from app import create_app


def test_missing_templates_are_logged_once_at_the_first_request(engine, connection, clock, settings, caplog):
    settings.twilio_account_sid = "AC" + "0" * 32
    application = create_app(settings=settings, clock=clock, engine=engine)  # no query here
    application.config["TESTING"] = True
    application.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    client = application.test_client()
    with caplog.at_level(logging.WARNING, logger="sigap.whatsapp"):
        client.get("/healthz")
        client.get("/healthz")
    lines = [r.getMessage() for r in caplog.records if r.name == "sigap.whatsapp"]
    assert len(lines) == 1 and "without a content SID" in lines[0]
