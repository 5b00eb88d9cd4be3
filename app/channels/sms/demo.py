"""/demo/citizen: staff play the citizen in the SMS/WhatsApp text protocol, without a phone.

Only in console mode (no Twilio credentials); the same dialogue service as the webhook answers."""
from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from app.domain.phone import to_e164
from app.extensions import db_session, now, state
from app.i18n import normalise_language, t
from app.models import OutboxMessage
from app.models.sms import SmsInboundMessage
from app.services.conversations import sms_dialogue

demo_bp = Blueprint("sms_demo", __name__, template_folder="templates", static_folder="static",
                    static_url_path="/sms-static")

DEFAULT_PHONE = "081200000001"
SHOWN = 20


def _console_mode_only() -> None:
    if state().settings.twilio_account_sid:
        abort(404)  # real Twilio is connected: citizens use real phones


def _style(value: str | None) -> str:
    return "whatsapp" if value == "whatsapp" else "sms"


@demo_bp.get("/citizen")
@login_required
def citizen():
    _console_mode_only()
    lang = normalise_language(cookie.get("lang"))
    raw_phone = request.args.get("phone") or DEFAULT_PHONE
    phone = to_e164(raw_phone)
    style = _style(request.args.get("style"))
    session = db_session()
    messages, outbox = [], []
    if phone:
        messages = list(reversed(session.scalars(
            select(SmsInboundMessage).where(SmsInboundMessage.phone == phone)
            .order_by(SmsInboundMessage.received_at.desc(), SmsInboundMessage.id.desc()).limit(SHOWN)).all()))
        outbox = list(session.scalars(
            select(OutboxMessage).where(or_(OutboxMessage.recipient == phone,
                                            OutboxMessage.recipient == f"whatsapp:{phone}"))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(SHOWN)))
    error = t("sms.demo.bad_phone", lang) if request.args.get("error") == "phone" or not phone else None
    zone = ZoneInfo(getattr(current_user, "timezone", None) or "Asia/Jakarta")
    return render_template("sms_demo/citizen.html", lang=lang, t=t, phone=phone or raw_phone, style=style,
                           messages=messages, outbox=outbox, error=error,
                           local=lambda at: at.astimezone(zone).strftime("%d/%m %H:%M %Z"))


@demo_bp.post("/citizen")
@login_required
def citizen_send():
    _console_mode_only()
    raw_phone = (request.form.get("phone") or "").strip()
    style = _style(request.form.get("style"))
    phone = to_e164(raw_phone)
    if phone is None:
        return redirect(url_for("sms_demo.citizen", phone=raw_phone[:30], style=style, error="phone"))
    body = (request.form.get("body") or "")[:2000]
    address = f"whatsapp:{phone}" if style == "whatsapp" else phone
    sms_dialogue.handle_message(db_session(), now(), message_sid=f"DEMO{uuid.uuid4().hex}", from_address=address,
                                to_address=None, body=body)
    return redirect(url_for("sms_demo.citizen", phone=phone, style=style))
