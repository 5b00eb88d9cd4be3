"""The ceiling of this stack on this machine: what a bare Flask + SQLAlchemy app does to take one
report on each channel's protocol, and nothing more, served by the same gunicorn.conf.py as Sigap
(`gunicorn -c gunicorn.conf.py --preload bench.ceiling_app:app`), on the project's own driver
(psycopg 3, the URL normalised as Sigap normalises it).

The cheapest correct insert: one `INSERT ... RETURNING id` through SQLAlchemy Core on a pooled
connection in autocommit (a single statement is its own transaction: no BEGIN, no COMMIT round
trip), no pool pre-ping, no ORM unit of work. Each route does its protocol's own work first:
  POST /complaints          JSON body parsed (the API's shape)                          -> 201 {"id"}
  POST /webhooks/twilio/sms form parsed, X-Twilio-Signature checked with twilio's own
                            RequestValidator against the public URL (Twilio's shape)    -> 200 empty TwiML
  GET  /webhooks/kannel/sms the shared secret compared in constant time, the query read -> 200 empty
  POST /webhooks/telegram   X-Telegram-Bot-Api-Secret-Token compared in constant time,
                            the JSON update parsed, update_id checked                   -> 200 {"ok": true}
A request that fails its check is refused (403/401/400) and stores nothing.

It reads DATABASE_URL, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL, TELEGRAM_WEBHOOK_SECRET and KANNEL_SECRET
(the same values Sigap gets in the bench) and creates its own table `bench_ceiling_rows`."""
from __future__ import annotations

import hmac
import os

from flask import Flask, Response, jsonify, request
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, create_engine
from twilio.request_validator import RequestValidator

from config import normalise_database_url

metadata = MetaData()
rows = Table("bench_ceiling_rows", metadata,
             Column("id", Integer, primary_key=True),
             Column("channel", String(20), nullable=False),
             Column("sender", String(64)),
             Column("body", JSON))

engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]), pool_size=10, max_overflow=20,
                       isolation_level="AUTOCOMMIT")
metadata.create_all(engine, checkfirst=True)  # once, in gunicorn's master (--preload)
engine.dispose()  # workers open their own connections after the fork
INSERT = rows.insert().returning(rows.c.id)

TWILIO = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
TELEGRAM_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "").encode()
KANNEL_SECRET = os.environ.get("KANNEL_SECRET", "").encode()
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
app = Flask(__name__)


def store(channel: str, sender, body) -> int:
    with engine.connect() as connection:
        return connection.execute(INSERT, {"channel": channel, "sender": sender, "body": body}).scalar_one()


@app.post("/complaints")
def api():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "a JSON object"}), 400
    return jsonify({"id": store("api", None, body)}), 201


@app.post("/webhooks/twilio/sms")
def twilio_sms():
    form = request.form
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not TWILIO.validate(PUBLIC_BASE_URL + request.path, form, signature):
        return Response("bad signature", status=403)
    store("sms", form.get("From"), {"sid": form.get("MessageSid"), "text": form.get("Body")})
    return Response(EMPTY_TWIML, status=200, content_type="text/xml; charset=utf-8")


@app.get("/webhooks/kannel/sms")
def kannel_sms():
    args = request.args
    if not KANNEL_SECRET or not hmac.compare_digest(args.get("secret", "").encode(), KANNEL_SECRET):
        return Response("bad secret", status=403)
    store("kannel", args.get("from"), {"id": args.get("id"), "text": args.get("text")})
    return Response("", status=200)


@app.post("/webhooks/telegram")
def telegram():
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
    if not TELEGRAM_SECRET or not hmac.compare_digest(given, TELEGRAM_SECRET):
        return jsonify({"error": "secret"}), 401
    update = request.get_json(force=True, silent=True)
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return jsonify({"error": "an Update"}), 400
    chat = ((update.get("message") or {}).get("chat") or {}).get("id")
    store("telegram", str(chat) if chat is not None else None, update)
    return jsonify({"ok": True})
