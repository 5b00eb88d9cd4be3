"""The sms channel: Twilio webhooks (inbound SMS/WhatsApp, delivery status) translated into service calls."""
from __future__ import annotations

import logging
import math
import re

from flask import Blueprint, Response, current_app, request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from app import metrics
from app.errors import error_response
from app.extensions import db_session, now, state
from app.services.conversations import sms_dialogue

from .media import MediaFetcher

bp = Blueprint("sms", __name__)
log = logging.getLogger("sigap.sms")
# An inbound message's id as Twilio makes it: SM (MM with media) and 32 hex digits, SMS and WhatsApp alike.
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")


def _signed_url() -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL + path (+ query) behind a proxy, else what we were called at."""
    base = state().settings.public_base_url
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def _refuse_unsigned():
    """None when the request carries a valid X-Twilio-Signature; else the 403 answer."""
    token = state().settings.twilio_auth_token
    if not token:
        return error_response(403, "forbidden", "Twilio is not configured here (console mode): nothing to validate")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not signature or not RequestValidator(token).validate(_signed_url(), request.form, signature, algorithm):
        log.warning("twilio webhook %s refused: bad signature", request.path)
        return error_response(403, "forbidden", "X-Twilio-Signature does not match this request")
    return None


def _message_sid(form) -> str | None:
    """The message's Twilio id, or None when it is not one. Twilio signs the parameters run together
    (name1value1name2value2...), so a captured request stays validly signed with MessageSid's value
    re-split into the next name ("SM...NumMedia0"): only Twilio's own shape, repeated exactly in
    SmsMessageSid/SmsSid when those come, is the id a message is known by (idempotency)."""
    sid = form.get("MessageSid") or ""
    if not MESSAGE_SID.fullmatch(sid):
        return None
    if any(form.get(name) not in (None, sid) for name in ("SmsMessageSid", "SmsSid")):
        return None
    return sid


def _int(value) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _location(form) -> tuple[float, float] | None:
    """A WhatsApp shared location (Latitude/Longitude), or None when absent or not a point on Earth."""
    try:
        lat, lon = float(form.get("Latitude", "")), float(form.get("Longitude", ""))
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _photo(form) -> tuple[str, str] | None:
    """The first attachment (MediaUrl0, MediaContentType0) of a WhatsApp/MMS message."""
    url = (form.get("MediaUrl0") or "").strip()
    if _int(form.get("NumMedia")) < 1 or not url:
        return None
    return url[:500], (form.get("MediaContentType0") or "").strip().lower()[:100]


@bp.post("/sms")
def inbound():
    refused = _refuse_unsigned()
    if refused is not None:
        return refused
    form = request.form
    sid = _message_sid(form)
    if sid is None:
        return error_response(400, "bad_request", "MessageSid is missing or not a Twilio message id "
                                                  "(SM or MM and 32 hex digits, the same as SmsMessageSid/SmsSid)")
    result = sms_dialogue.handle_message(
        db_session(), now(), message_sid=sid, from_address=form.get("From", ""), to_address=form.get("To"),
        body=form.get("Body"), num_media=_int(form.get("NumMedia")), opt_out_type=form.get("OptOutType"),
        photo=_photo(form), location=_location(form), button_payload=form.get("ButtonPayload"),
        media=sms_dialogue.MediaAccess(MediaFetcher(state().settings), current_app.instance_path))
    metrics.webhook_update("sms", "duplicate" if result.duplicate else result.outcome)
    twiml = MessagingResponse()
    for text in result.replies:
        twiml.message(text)
    return Response(str(twiml), status=200, content_type="text/xml; charset=utf-8")


@bp.post("/status")
def status():
    refused = _refuse_unsigned()
    if refused is not None:
        return refused
    form = request.form
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    message_status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or not message_status:
        return error_response(400, "bad_request", "MessageSid and MessageStatus are required")
    sms_dialogue.record_delivery_status(db_session(), now(), provider_id=sid, status=message_status,
                                        error_code=form.get("ErrorCode"))
    metrics.webhook_update("sms_status", "handled")
    return Response(status=204)
