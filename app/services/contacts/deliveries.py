"""Who has been told what: every alert attempt of a complaint (recipient, channel, time, delivery
state), each breach's result per recipient, and who is on duty now."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain import delivery, duty
from app.domain.phone import mask
from app.models import Agency, Complaint, Jurisdiction, OutboxMessage
from app.models.sla_engine import EscalationContact
from app.services.messaging import notifications, outbox


def _attempt(message: OutboxMessage) -> delivery.Attempt:
    return delivery.Attempt(id=message.id, status=message.status, delivered_at=message.delivered_at,
                            fallback_of=(message.extra or {}).get("fallback_of"), fallback_id=message.fallback_id)


def _address(message: OutboxMessage) -> str:
    """A staff address as the page shows it: phone numbers masked, a Telegram chat as 'Telegram'."""
    if message.channel in ("sms", "whatsapp"):
        return mask(message.recipient.removeprefix("whatsapp:")) or ""
    return ""


def alert_attempts(session: Session, complaint_id: int) -> list[dict]:
    """Every message to staff about this complaint, oldest first: who, by which channel, when, and
    its delivery state (read, delivered, sent, retrying, waiting, moved to the next channel, failed)."""
    messages = list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.complaint_id == complaint_id, OutboxMessage.recipient_kind == outbox.STAFF)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)))
    by_id = {m.id: m for m in messages}
    rows = []
    for m in messages:
        extra = m.extra or {}
        successor = by_id.get(m.fallback_id) if m.fallback_id else None
        rows.append({
            "id": m.id, "at": m.delivered_at or m.sent_at or m.created_at, "queued_at": m.created_at,
            "sent_at": m.sent_at, "delivered_at": m.delivered_at,
            "recipient": extra.get("recipient_name") or m.recipient, "address": _address(m),
            "channel": m.channel, "template": m.template, "level": extra.get("level"), "step": extra.get("step"),
            "breach_id": m.breach_id, "state": delivery.attempt_state(_attempt(m), m.delivery_status),
            "next_channel": successor.channel if successor is not None else None,
            "fallback_of": extra.get("fallback_of"), "attempts": m.attempts,
        })
    return rows


def breach_recipients(session: Session, breach_id: int) -> list[dict]:
    """A breach's alerts per recipient: their name, the channels tried in order, and whether they
    were reached (delivered), not reached (failed) or not yet known (waiting)."""
    messages = list(session.scalars(select(OutboxMessage).where(OutboxMessage.breach_id == breach_id)
                                    .order_by(OutboxMessage.id)))
    by_id = {m.id: m for m in messages}
    out = []
    for root, chain in delivery.chains([_attempt(m) for m in messages]).items():
        first = by_id[root]
        out.append({"recipient": (first.extra or {}).get("recipient_name") or first.recipient,
                    "channels": [by_id[a.id].channel for a in chain], "result": delivery.recipient_result(chain)})
    return out


def on_duty_now(session: Session, jurisdiction_id: int, timezone_name: str, now: datetime, *,
                agency_id: int | None = None) -> list[dict]:
    """The rostered contacts (duty desks) on duty at `now`, optionally of one agency, with the
    shift that covers them and when it ends."""
    query = (select(EscalationContact).where(EscalationContact.jurisdiction_id == jurisdiction_id,
                                             EscalationContact.active.is_(True))
             .options(selectinload(EscalationContact.shifts)).order_by(EscalationContact.id))
    if agency_id is not None:
        query = query.where(EscalationContact.agency_id == agency_id)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone_name)
    agencies = {a.id: a.name for a in session.scalars(select(Agency).where(Agency.jurisdiction_id == jurisdiction_id))}
    found = []
    for contact in session.scalars(query):
        for shift, row in zip(notifications.contact_shifts(contact), contact.shifts):
            if shift.covers(now, zone, notifications.is_holiday):
                found.append({"contact_id": contact.id, "name": contact.name, "level": contact.level,
                              "agency": agencies.get(contact.agency_id, ""),
                              "channels": list(contact.channel_order()),
                              "hours": duty.format_hours(time.fromisoformat(row.start_local), row.minutes),
                              "holidays": row.holidays})
                break
    return found


def on_duty_for(session: Session, complaint: Complaint, now: datetime) -> list[dict]:
    """Who a new alert about this complaint would reach now (its assignee, else its agency's duty
    desk on duty, else the fallbacks), by name and first channel."""
    return [{"name": r.name, "channel": r.channel, "rostered": bool(r.shifts)}
            for r in notifications.assignee_or_duty(session, complaint, now)]


def recent_alerts(session: Session, complaint_ids, limit: int = 12) -> list[dict]:
    """The latest staff alerts about these complaints (the ones a board shows), newest first: ticket,
    recipient, channel, time and delivery state."""
    ids = list(complaint_ids)
    if not ids:
        return []
    rows = session.execute(
        select(OutboxMessage, Complaint.ticket, Jurisdiction.timezone)
        .join(Complaint, Complaint.id == OutboxMessage.complaint_id)
        .join(Jurisdiction, Jurisdiction.id == Complaint.jurisdiction_id)
        .where(OutboxMessage.complaint_id.in_(ids), OutboxMessage.recipient_kind == outbox.STAFF)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)).all()
    return [{"ticket": ticket, "recipient": (m.extra or {}).get("recipient_name") or "-", "channel": m.channel,
             "at": m.delivered_at or m.sent_at or m.created_at,
             "state": delivery.attempt_state(_attempt(m), m.delivery_status), "tz": tz} for m, ticket, tz in rows]
