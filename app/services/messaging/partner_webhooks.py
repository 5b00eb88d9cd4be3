"""Outbound webhooks for partners: a signed POST through the outbox when a complaint a partner
submitted changes status. The body is JSON; X-Sigap-Signature is "sha256=" + HMAC-SHA256(secret, body)."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import isoformat_z
from app.domain import privacy, webhook_target
from app.models import ApiToken, Complaint, Event, OutboxMessage
from app.models.partner import PartnerWebhook
from app.services.errors import NotFound, ValidationFailed
from app.services.messaging import outbox
from app.services.messaging.webhook_withdrawal import (  # noqa: F401 - REVOKED and withdraw_queued for callers
    CHANNEL,
    REMOVED,
    REVOKED,
    withdraw_queued,
)

TEMPLATE = "partner.status_changed"
SIGNATURE_HEADER = "X-Sigap-Signature"
# Event kinds that change a complaint's status (or who holds it): each one is worth a webhook.
STATUS_EVENTS = ("assigned", "transferred", "acknowledged", "handled", "resolved", "reopened", "rejected", "closed")
OPEN311_STATUS = {"received": "open", "triage": "open", "assigned": "open", "acknowledged": "open",
                  "handled": "closed", "resolved": "closed", "closed": "closed", "rejected": "closed"}
MAX_URL = webhook_target.MAX_URL


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """What a partner does on receipt (shown in docs/open311.md): compare in constant time."""
    return bool(signature) and hmac.compare_digest(sign(secret, body), signature)


def _check_url(url) -> str:
    """The URL as given, when Sigap will call it: read the way the sender reads it (see webhook_target)."""
    try:
        webhook_target.parse(url)
    except webhook_target.BadWebhookUrl as exc:
        raise ValidationFailed(str(exc), field="url") from None
    return url.strip()


def token_id_of(complaint: Complaint) -> int | None:
    """The API token that submitted the complaint, from its actor label ("token:7")."""
    label = complaint.submitted_by or ""
    kind, _, ident = label.partition(":")
    return int(ident) if kind == "token" and ident.isdigit() else None


def get(session: Session, token_id: int) -> PartnerWebhook:
    hook = session.scalar(select(PartnerWebhook).where(PartnerWebhook.token_id == token_id))
    if hook is None:
        raise NotFound("no webhook is set for this token")
    return hook


def set_webhook(session: Session, now: datetime, *, token_id: int, url, active: bool = True,
                rotate_secret: bool = False) -> tuple[PartnerWebhook, str | None]:
    """Create or change the token's webhook (commits). Returns the webhook and its secret when the
    secret is new (first set or rotated), else None: a secret is shown once."""
    url = _check_url(url)
    if not isinstance(active, bool):
        raise ValidationFailed("active must be true or false", field="active")
    hook = session.scalar(select(PartnerWebhook).where(PartnerWebhook.token_id == token_id))
    new_secret = None
    if hook is None:
        new_secret = "whsec_" + secrets.token_urlsafe(32)
        hook = PartnerWebhook(token_id=token_id, url=url, secret=new_secret, active=active, created_at=now,
                              updated_at=now)
        session.add(hook)
    else:
        hook.url, hook.active, hook.updated_at = url, active, now
        if rotate_secret:
            new_secret = "whsec_" + secrets.token_urlsafe(32)
            hook.secret = new_secret
    session.commit()
    return hook, new_secret


def remove_webhook(session: Session, now: datetime, *, token_id: int) -> None:
    hook = get(session, token_id)
    withdraw_queued(session, token_id, REMOVED)
    session.delete(hook)
    session.commit()


def payload(complaint: Complaint, event: Event) -> dict:
    return {
        "id": f"{complaint.ticket}:{event.seq}",
        "type": "complaint.status_changed",
        "event": event.kind,
        "occurred_at": isoformat_z(event.at),
        "complaint": {
            "ticket": complaint.ticket,
            "status": complaint.status,
            "open311_status": OPEN311_STATUS.get(complaint.status, "open"),
            "agency": {"code": complaint.agency.code, "name": complaint.agency.name} if complaint.agency else None,
            "handle_due_at": isoformat_z(complaint.handle_due_at),
            "acknowledged_at": isoformat_z(complaint.acknowledged_at),
            "handled_at": isoformat_z(complaint.handled_at),
            "resolved_at": isoformat_z(complaint.resolved_at),
            # Only what the citizen is told too (the handling note); staff notes stay inside.
            "note": privacy.public_note(event.kind, event.note),
        },
    }


def on_event(session: Session, complaint: Complaint, event: Event, now: datetime) -> OutboxMessage | None:
    """In the caller's transaction: queue a signed POST to the submitting partner's webhook when this
    event changes the complaint's status. Safe to call twice for one event (one message)."""
    if event.kind not in STATUS_EVENTS or (event.data or {}).get("implied_by"):
        return None  # an acknowledgement implied by handling travels in the "handled" webhook
    token_id = token_id_of(complaint)
    if token_id is None:
        return None
    hook = session.scalar(select(PartnerWebhook).join(ApiToken, ApiToken.id == PartnerWebhook.token_id).where(
        PartnerWebhook.token_id == token_id, PartnerWebhook.active.is_(True), ApiToken.revoked_at.is_(None)))
    if hook is None:
        return None
    recipient = f"webhook:{hook.id}:{event.id}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.channel == CHANNEL,
                                                     OutboxMessage.recipient == recipient)) is not None:
        return None
    body = json.dumps(payload(complaint, event), ensure_ascii=False, separators=(",", ":"))
    return outbox.enqueue(
        session, now, channel=CHANNEL, recipient=recipient, recipient_kind="partner", template=TEMPLATE,
        language="en", body=body, complaint=complaint,
        extra={"url": hook.url, "signature": sign(hook.secret, body.encode("utf-8")),
               "event_id": f"{complaint.ticket}:{event.seq}"},
    )


def token_by_prefix(session: Session, prefix: str) -> ApiToken:
    """The one live partner token whose shown prefix starts with `prefix` (as `tokens create` printed it)."""
    prefix = (prefix or "").strip()
    if len(prefix) < 6:
        raise ValidationFailed("give the token's prefix as printed by `tokens create` (e.g. sgp_AbCd1234)")
    tokens = list(session.scalars(select(ApiToken).where(ApiToken.prefix.startswith(prefix[:12], autoescape=True),
                                                          ApiToken.revoked_at.is_(None))))
    if not tokens:
        raise NotFound(f"no live token starts with {prefix!r}")
    if len(tokens) > 1:
        raise ValidationFailed(f"{len(tokens)} tokens start with {prefix!r}: give more characters")
    if tokens[0].role != "partner":
        raise ValidationFailed(f"token {tokens[0].prefix} is a {tokens[0].role} token; webhooks are for partner tokens")
    return tokens[0]
