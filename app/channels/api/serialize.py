"""JSON shapes of the API: UTC ISO-8601 times with Z; the reporter and the trail as app.domain.privacy allows."""
from __future__ import annotations

from app.clock import isoformat_z
from app.domain import privacy
from app.domain.actor import Actor
from app.domain.visibility import can_see
from app.models import Complaint, Event
from app.services.sla.escalation import breach_to_dict


def complaint(c: Complaint, actor: Actor) -> dict:
    shown = privacy.reporter_view(actor, c)  # the staff web shows the same (app/web/workspace.py)
    # A reporter the citizen's choice hides from this reader is null, as one never given.
    reporter = None if shown is None or (shown.confidentiality and not shown.full) else {
        "name": shown.name, "phone": shown.phone, "telegram_chat_id": shown.telegram_chat_id,
    }
    policy = c.sla_policy
    staff_names = privacy.sees_staff_names(actor)
    return {
        "ticket": c.ticket,
        "status": c.status,
        "jurisdiction": c.jurisdiction.code,
        "category": c.category.code,
        "description": c.description,
        "district": {"code": c.district.code, "name": c.district.name} if c.district else None,
        "village": {"code": c.village.code, "name": c.village.name} if c.village else None,
        "address": c.address,
        "lat": c.lat,
        "lon": c.lon,
        "channel": c.channel,
        "reporter": reporter,
        "confidentiality": c.confidentiality or "normal",
        "agency": {"code": c.agency.code, "name": c.agency.name} if c.agency else None,
        "assignee": {"id": c.assignee.id, "name": c.assignee.name} if c.assignee and staff_names else None,
        "received_at": isoformat_z(c.received_at),
        "triage_due_at": isoformat_z(c.triage_due_at),
        "ack_due_at": isoformat_z(c.ack_due_at),
        "handle_due_at": isoformat_z(c.handle_due_at),
        "acknowledged_at": isoformat_z(c.acknowledged_at),
        "handled_at": isoformat_z(c.handled_at),
        "resolved_at": isoformat_z(c.resolved_at),
        "closed_at": isoformat_z(c.closed_at),
        "rejected_at": isoformat_z(c.rejected_at),
        "reject_reason": c.reject_reason,
        # Another complaint's ticket only to a reader who may see that complaint.
        "duplicate_of": _linked(c.duplicate_of, actor),
        "repeat_of": _linked(c.repeat_of, actor),
        "ack_breached": c.ack_breached,
        "handle_breached": c.handle_breached,
        "reopened_count": c.reopened_count,
        "next_step": c.next_step,
        "next_step_at": isoformat_z(c.next_step_at),
        "breaches": [breach_to_dict(b, official=staff_names) for b in c.breaches],
        "sla_policy": {
            "id": policy.id, "handle_minutes": policy.handle_minutes,
            "acknowledge_minutes": policy.acknowledge_minutes, "effective_from": isoformat_z(policy.effective_from),
            "calendar": policy.calendar,
        },
    }


def _linked(other: Complaint | None, actor: Actor) -> str | None:
    return other.ticket if other is not None and can_see(actor, other) else None


def event(e: Event, unseen: set[str] = frozenset(), actor_label: str | None = None) -> dict:
    """A trail event for staff; a ticket of a complaint the reader may not see (`unseen`) is null,
    and a hidden reporter's label is `actor_label` (privacy.shown_actor) (the hash is over the stored
    data, which chain_valid checks)."""
    return {
        "seq": e.seq, "kind": e.kind, "at": isoformat_z(e.at), "actor": actor_label or e.actor, "note": e.note,
        "data": privacy.without_unseen_link(e.kind, e.data, unseen), "prev_hash": e.prev_hash, "hash": e.hash,
    }


def public_event(e: Event) -> dict | None:
    """An event as a partner sees it: kind, time and its public facts; None for internal events."""
    facts = privacy.public_event(e.kind, e.data)
    return None if facts is None else {"kind": e.kind, "at": isoformat_z(e.at), **facts}
