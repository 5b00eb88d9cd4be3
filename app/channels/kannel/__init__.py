"""The kannel channel: Kannel's smsbox calls these with citizens' SMS (get-url/post-url of an sms-service)
and with delivery reports (the dlr-url of each message we sent through sendsms). Both carry the shared
KANNEL_SECRET and come only from KANNEL_ALLOWED_ADDRESSES. The inbound answer is an empty 200 at once:
replies leave through the outbox and sendsms, so Kannel never waits on them nor sends our answer as an SMS."""
from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from urllib.parse import parse_qsl

from flask import Blueprint, Response, request

from app import metrics
from app.errors import error_response
from app.extensions import db_session, now, state
from app.services.conversations import sms_dialogue
from app.services.messaging import sms_gateways

bp = Blueprint("kannel", __name__)
log = logging.getLogger("sigap.kannel")
# Kannel's own message id (%I): a UUID in Kannel 1.4; any short token of this shape is taken as it is.
MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,55}")
# Kannel's delivery report types (%d) and the delivery states Twilio's callbacks already use.
DLR_STATUS = {1: "delivered", 2: "undelivered", 4: "queued", 8: "sent", 16: "failed"}
UTF16 = {"utf-16be", "utf-16", "ucs-2", "ucs2", "utf16be"}
CHARSET = re.compile(r"[a-z0-9][a-z0-9_.:-]{0,39}")


def _refused():
    """None when the caller is an allowed address presenting the secret; else the 403 answer."""
    settings = state().settings
    secret = settings.kannel_secret
    if not secret:
        return error_response(403, "forbidden", "Kannel is not configured here (KANNEL_SECRET unset)")
    try:
        address = ipaddress.ip_address((request.remote_addr or "").split("%")[0])
    except ValueError:
        address = None
    allowed = address is not None and any(
        address in ipaddress.ip_network(network) for network in settings.kannel_allowed_addresses)
    if not allowed:
        log.warning("kannel webhook %s refused: %s is not in KANNEL_ALLOWED_ADDRESSES", request.path,
                    request.remote_addr)
        return error_response(403, "forbidden", "this address may not call the Kannel webhooks")
    given = request.values.get("secret", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        log.warning("kannel webhook %s refused: wrong secret", request.path)
        return error_response(403, "forbidden", "the secret does not match KANNEL_SECRET")
    return None


def _raw_params() -> dict[str, bytes]:
    """The parameters as bytes: %b is the message as the phone sent it, UCS-2 included."""
    pairs = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        pairs += parse_qsl(request.get_data(cache=True).decode("latin-1"), keep_blank_values=True,
                           encoding="latin-1")
    return {name: value.encode("latin-1") for name, value in pairs}


def _text(raw: bytes | None, coding: str, charset: str) -> str:
    """The message's text: UTF-16 (UCS-2) when Kannel says so, else its charset (UTF-8, then Latin-1)."""
    if raw is None:
        return ""
    charset = charset.strip().lower()
    if coding.strip() == "2" or charset in UTF16:
        return raw.decode("utf-16-be", errors="replace")
    if not CHARSET.fullmatch(charset):
        charset = "utf-8"
    for candidate in (charset, "utf-8"):
        try:
            return raw.decode(candidate)
        except (LookupError, ValueError):  # an unknown charset, or text that is not in it
            continue
    return raw.decode("latin-1")


def _citizen(raw: str) -> str:
    """Kannel gives SMPP numbers without '+' (6281234567890): that is E.164 when it starts with 62."""
    raw = raw.strip()
    if raw.isdigit() and raw.startswith("62") and len(raw) >= 10:
        return "+" + raw
    return raw


@bp.route("/sms", methods=["GET", "POST"])
def inbound():
    refused = _refused()
    if refused is not None:
        return refused
    params = _raw_params()

    def value(name: str) -> str:
        return params.get(name, b"").decode("utf-8", errors="replace").strip()

    message_id, sender, receiver = value("id"), value("from"), value("to")
    if not MESSAGE_ID.fullmatch(message_id) or not sender:
        return error_response(400, "bad_request", "id (Kannel's %I) and from (%p) are required")
    text = _text(params.get("text"), value("coding"), value("charset"))
    result = sms_dialogue.handle_message(
        db_session(), now(), message_sid=sms_gateways.KANNEL_SID_PREFIX + message_id, from_address=_citizen(sender),
        to_address=receiver or None, body=text, gateway=sms_gateways.KANNEL)
    metrics.webhook_update("kannel_sms", "duplicate" if result.duplicate else result.outcome)
    return Response(status=200, content_type="text/plain; charset=utf-8")


@bp.route("/status", methods=["GET", "POST"])
def status():
    refused = _refused()
    if refused is not None:
        return refused
    try:
        message_id, kind = int(request.values.get("id", "")), int(request.values.get("status", ""))
    except ValueError:
        return error_response(400, "bad_request", "id (our message id) and status (Kannel's %d) must be numbers")
    # A report may carry several bits only when the SMSC sends them together; the final one decides.
    found = next((DLR_STATUS[bit] for bit in (2, 16, 1, 8, 4) if kind & bit), None)
    if found is None:
        return error_response(400, "bad_request", f"status {kind} is not a Kannel delivery report type")
    detail = (request.values.get("reply") or "").strip()[:100] or None
    sms_dialogue.record_delivery_status(db_session(), now(), message_id=message_id, status=found,
                                        error_code=detail)
    metrics.webhook_update("kannel_status", "handled")
    return Response(status=204)
