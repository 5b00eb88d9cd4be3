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

And two more, bounds not of the protocol but of the data (bench/intake_load.py runs them next to the API
and SMS phases):
  POST /complaints/stored-rows  the API's JSON parsed, then what Sigap must store for an API report, in
                            Sigap's own migrated tables (their indexes, foreign keys and triggers), in one
                            autocommit statement: the new reporter, the complaint (ticket from a sequence,
                            its deadlines, SLA cursor and seal), its two hash-chained events (received,
                            routed) and the receipt in the outbox                   -> 201 {"id", "ticket"}
  POST /webhooks/twilio/sms/stored-rows  Twilio's signature checked (over Sigap's URL), `LAPOR MAKAN
                            <village>: <text>` split, the same rows plus the inbound message (its outcome,
                            reply and links) and the consent record, the receipt kept as sent in the TwiML
                            reply                                                   -> 200 TwiML
They route, time and word nothing (fixed reference ids read once, deadlines 30 min and 2 h, a receipt
that only names the ticket): the database's share of a report on the bare stack.

It reads DATABASE_URL, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL, TELEGRAM_WEBHOOK_SECRET and KANNEL_SECRET
(the same values Sigap gets in the bench) and creates its own table `bench_ceiling_rows`."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from datetime import datetime, timedelta, timezone

from flask import Flask, Response, jsonify, request
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, create_engine, inspect, text
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
if inspect(engine).has_table("complaints"):  # Sigap's schema, migrated: the stored-rows ceiling can run
    with engine.connect() as _conn:
        _conn.exec_driver_sql("CREATE SEQUENCE IF NOT EXISTS bench_ceiling_ticket_seq START WITH 500000")
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


# The stored-rows ceilings: Sigap's rows for one report, in one statement. The SMS one adds the inbound
# message (with its outcome, reply and links), the citizen's consent record, and its receipt is the TwiML
# reply, kept as sent.
_STORED_ROWS = """
WITH r AS (
  INSERT INTO reporters (name, phone, language, opted_out, unreachable, created_at)
  VALUES (:name, :phone, 'id', false, false, :now) ON CONFLICT DO NOTHING RETURNING id),
n AS (SELECT nextval('bench_ceiling_ticket_seq') AS seq),
c AS (
  INSERT INTO complaints (ticket, jurisdiction_id, year, seq, category_id, description, district_id, village_id,
    channel, external_ref, submitted_by, reporter_id, confidentiality, agency_id, status, sla_policy_id,
    received_at, ack_due_at, handle_due_at, ack_breached, handle_breached, reopened_count, status_code_hash,
    next_step, next_step_at, sla_level, sla_reopened_seen, audit_seq, audit_seal, created_at, updated_at)
  SELECT 'CEIL-' || :year || '-' || lpad(n.seq::text, 6, '0'), :jurisdiction_id, :year, n.seq, :category_id,
    :description, :district_id, :village_id, :channel, :external_ref, 'ceiling:stored-rows', (SELECT id FROM r),
    'normal', :agency_id, 'assigned', :policy_id, :now, :ack_due_at, :handle_due_at, false, false, 0,
    :code_hash, :next_step, :next_step_at, 0, 0, 2, :seal, :now, :now
  FROM n RETURNING id, ticket),
e AS (
  INSERT INTO events (complaint_id, seq, kind, at, actor, data, prev_hash, hash)
  SELECT c.id, v.seq, v.kind, :now, v.actor, v.data, v.prev_hash, v.hash FROM c, (VALUES
    (1, 'received', :actor, CAST(:received AS jsonb), :hash0, :hash1),
    (2, 'routed', 'system', CAST(:routed AS jsonb), :hash1, :hash2)) AS v(seq, kind, actor, data, prev_hash, hash)),
o AS (
  INSERT INTO outbox_messages (complaint_id, channel, recipient, recipient_kind, reporter_id, template, language,
    body, extra, status, attempts, next_attempt_at, provider_id, sent_at, created_at)
  SELECT c.id, 'sms', :phone, 'reporter', (SELECT id FROM r), 'core.receipt', 'id',
    :receipt || c.ticket || '.', '{}'::jsonb, :receipt_status, 0,
    :next_attempt_at, :provider_id, :sent_at, :now FROM c){sms}
SELECT id, ticket FROM c"""
_SMS_ROWS = """,
m AS (
  INSERT INTO sms_inbound_messages (message_sid, channel, phone, to_number, body, received_at, outcome, replies,
    complaint_id, reporter_id)
  SELECT :external_ref, 'sms', :phone, :to_number, :body, :now, 'complaint',
    jsonb_build_array(:receipt || c.ticket || '.'), c.id, (SELECT id FROM r) FROM c),
k AS (
  INSERT INTO opt_records (channel, address, kind, reason, at, reporter_id, complaint_id)
  SELECT 'sms', :phone, 'opt_in', 'wrote_first', :now, (SELECT id FROM r), c.id FROM c)"""
RECEIPT = "Sigap: laporan Anda diterima, nomor "  # then the ticket and a full stop
STORED_ROWS = text(_STORED_ROWS.replace("{sms}", ""))
STORED_ROWS_SMS = text(_STORED_ROWS.replace("{sms}", _SMS_ROWS))
_reference: dict = {}
_reference_lock = threading.Lock()


def _ids() -> dict:
    """The seeded reference rows the stored-rows ceiling files under (read once per process; the lock
    only while they are read, not on every request after)."""
    if _reference:
        return _reference
    with _reference_lock:
        if not _reference:
            with engine.connect() as conn:
                jurisdiction = conn.execute(text("SELECT id FROM jurisdictions WHERE code = 'banyuwangi'")).scalar_one()
                _reference.update(
                    jurisdiction=jurisdiction,
                    categories=dict(conn.execute(text("SELECT code, id FROM categories")).all()),
                    villages={name: (vid, did) for name, vid, did in conn.execute(text(
                        "SELECT name, id, district_id FROM villages WHERE district_id IN "
                        "(SELECT id FROM districts WHERE jurisdiction_id = :j)"), {"j": jurisdiction})},
                    routes=dict(conn.execute(text("SELECT category_id, agency_id FROM routing_rules WHERE "
                                                  "jurisdiction_id = :j AND district_id IS NULL"), {"j": jurisdiction}).all()),
                    policy=conn.execute(text("SELECT max(id) FROM sla_policies WHERE jurisdiction_id = :j"),
                                        {"j": jurisdiction}).scalar_one())
    return _reference


def _sha(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def store_rows(statement, *, channel: str, category_code, village_name, description, name, phone,
               actor: str, external_ref=None, receipt_status="pending", extra=None):
    """Sigap's rows for one report (see STORED_ROWS), under the seeded reference ids; None for an unknown
    category or village."""
    ids = _ids()
    category = ids["categories"].get(category_code)
    village = ids["villages"].get(village_name)
    agency = ids["routes"].get(category)
    if category is None or village is None or agency is None:
        return None
    now = datetime.now(timezone.utc)
    ack_due, handle_due = now + timedelta(minutes=30), now + timedelta(hours=2)
    received = json.dumps({"channel": channel, "received_at": now.isoformat(), "category": category_code,
                           "category_id": category, "district_id": village[1], "village_id": village[0],
                           "sla_policy_id": ids["policy"], "ack_due_at": ack_due.isoformat(),
                           "handle_due_at": handle_due.isoformat()})
    routed = json.dumps({"agency_id": agency})
    hash0 = "0" * 64
    hash1 = _sha(hash0, "received", received)
    hash2 = _sha(hash1, "routed", routed)
    params = {"name": name, "phone": phone, "now": now, "year": now.year, "channel": channel,
              "external_ref": external_ref, "actor": actor, "jurisdiction_id": ids["jurisdiction"],
              "category_id": category, "description": description, "district_id": village[1],
              "village_id": village[0], "agency_id": agency, "policy_id": ids["policy"], "ack_due_at": ack_due,
              "handle_due_at": handle_due, "code_hash": _sha(str(now), "code"),
              "next_step": f"a.remind.0@{int(now.timestamp())}", "next_step_at": now + timedelta(minutes=15),
              "seal": _sha(hash2, "seal"), "received": received, "routed": routed, "hash0": hash0,
              "hash1": hash1, "hash2": hash2, "receipt_status": receipt_status,
              "provider_id": f"twiml:{external_ref}" if receipt_status == "sent" else None,
              "next_attempt_at": now if receipt_status == "pending" else None,
              "sent_at": now if receipt_status == "sent" else None, "receipt": RECEIPT, **(extra or {})}
    with engine.connect() as connection:
        return connection.execute(statement, params).one()


@app.post("/complaints/stored-rows")
def api_stored_rows():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "a JSON object"}), 400
    reporter = body.get("reporter") or {}
    stored = store_rows(STORED_ROWS, channel="api", category_code=body.get("category"),
                        village_name=body.get("village"), description=body.get("description"),
                        name=reporter.get("name"), phone=reporter.get("phone"), actor="token:1")
    if stored is None:
        return jsonify({"error": "unknown category or village"}), 400
    return jsonify({"id": stored[0], "ticket": stored[1]}), 201


SMS_KEYWORDS = {"MAKAN": "hunger", "SEKOLAH": "school_dropout", "RUMAH": "uninhabitable_house",
                "LANSIA": "lone_elderly", "SAKIT": "medical_care"}


@app.post("/webhooks/twilio/sms/stored-rows")
def twilio_sms_stored_rows():
    """Twilio's request for Sigap's path (its signature is over that URL); `LAPOR <KEYWORD> <village>: <text>`."""
    form = request.form
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not TWILIO.validate(PUBLIC_BASE_URL + "/webhooks/twilio/sms", form, signature):
        return Response("bad signature", status=403)
    words = (form.get("Body") or "").split(" ", 2)
    place, _, description = (words[2] if len(words) == 3 else "").partition(":")
    if len(words) < 3 or words[0].upper() != "LAPOR":
        return Response(EMPTY_TWIML, status=200, content_type="text/xml; charset=utf-8")
    stored = store_rows(STORED_ROWS_SMS, channel="sms", category_code=SMS_KEYWORDS.get(words[1].upper()),
                        village_name=place.strip(), description=description.strip(), name=None,
                        phone=form.get("From"), actor="reporter", external_ref=form.get("MessageSid"),
                        receipt_status="sent", extra={"to_number": form.get("To"), "body": form.get("Body")})
    if stored is None:
        return Response(EMPTY_TWIML, status=200, content_type="text/xml; charset=utf-8")
    reply = f"{RECEIPT}{stored[1]}."
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{reply}</Message></Response>',
                    status=200, content_type="text/xml; charset=utf-8")
