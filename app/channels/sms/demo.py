"""/demo/citizen: a supervisor or admin plays a citizen in the SMS/WhatsApp text protocol, without a phone.

Each of them plays one fictional citizen of their own, whose number (`app.domain.phone.demo_number`,
in the toll-free range no mobile phone has) follows from their user id: the page never speaks for,
nor shows the messages of, a real citizen's number, and the trail of what the demo does names
that fictional reporter. Only in console mode (no Twilio credentials) and never in production;
the same dialogue service as the webhook answers."""
from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from app.domain.phone import demo_number
from app.extensions import db_session, now, state
from app.i18n import normalise_language, t
from app.models import OutboxMessage
from app.models.sms import SmsInboundMessage
from app.services.conversations import sms_dialogue

demo_bp = Blueprint("sms_demo", __name__, template_folder="templates", static_folder="static",
                    static_url_path="/sms-static")

SHOWN = 20
DEMO_ROLES = ("supervisor", "admin")


@demo_bp.before_request
def _demo_only():
    settings = state().settings
    if settings.production or settings.twilio_account_sid:
        abort(404)  # a live deployment: citizens use real phones, and staff never act as one


def _player() -> str:
    """The signed-in staff member's fictional citizen number; 403 for roles the demo is not for."""
    if current_user.role not in DEMO_ROLES:
        abort(403)
    return demo_number(current_user.id)


def _style(value: str | None) -> str:
    return "whatsapp" if value == "whatsapp" else "sms"


@demo_bp.get("/citizen")
@login_required
def citizen():
    phone = _player()
    lang = normalise_language(cookie.get("lang"))
    style = _style(request.args.get("style"))
    session = db_session()
    messages = list(reversed(session.scalars(
        select(SmsInboundMessage).where(SmsInboundMessage.phone == phone)
        .order_by(SmsInboundMessage.received_at.desc(), SmsInboundMessage.id.desc()).limit(SHOWN)).all()))
    outbox = list(session.scalars(
        select(OutboxMessage).where(or_(OutboxMessage.recipient == phone,
                                        OutboxMessage.recipient == f"whatsapp:{phone}"))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(SHOWN)))
    zone = ZoneInfo(getattr(current_user, "timezone", None) or "Asia/Jakarta")
    return render_template("sms_demo/citizen.html", lang=lang, t=t, phone=phone, style=style,
                           messages=messages, outbox=outbox,
                           local=lambda at: at.astimezone(zone).strftime("%d/%m %H:%M %Z"))


@demo_bp.post("/citizen")
@login_required
def citizen_send():
    phone = _player()
    style = _style(request.form.get("style"))
    body = (request.form.get("body") or "")[:2000]
    address = f"whatsapp:{phone}" if style == "whatsapp" else phone
    sms_dialogue.handle_message(db_session(), now(), message_sid=f"DEMO{uuid.uuid4().hex}", from_address=address,
                                to_address=None, body=body)
    return redirect(url_for("sms_demo.citizen", style=style))
