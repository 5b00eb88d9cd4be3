"""The notification outbox: messages are written in the transaction that causes them, then a job
claims them exactly once, sends each through its channel's sender, and retries with backoff."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import metrics
from app.domain import delivery
from app.domain.actor import SYSTEM
from app.domain.phone import redact as redact_phones
from app.domain.text import one_line
from app.models import Breach, Complaint, OutboxMessage, Reporter
from app.services.messaging import consent, webhook_withdrawal, whatsapp

log = logging.getLogger("sigap.outbox")

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# A message claimed but never settled (its worker died mid-send) is retried after this lease.
SENDING_LEASE = timedelta(minutes=2)
CLAIM_BATCH = 50
# Sent but no delivery report after this long: the text goes by the recipient's next channel too.
REPORT_TIMEOUT = timedelta(minutes=10)
STAFF, REPORTER = "staff", "reporter"


@dataclass
class SendResult:
    ok: bool
    provider_id: str | None = None
    error: str | None = None
    permanent: bool = False  # never retry this message
    retry_after: float | None = None  # seconds, honour it (Telegram 429)
    # What a permanent failure says of a citizen recipient: "unreachable" (blocked the bot, bad
    # number), "opted_out" (sent STOP), or "message_only" (e.g. WhatsApp's 24-hour window closed).
    reporter_state: str = "unreachable"
    # Not sent because it is no longer wanted (e.g. a revoked partner): given up, not a failure to report.
    withdrawn: bool = False
    # Accepted, not yet delivered: the provider reports delivery later (Twilio's status callback).
    awaits_report: bool = False


class Sender(Protocol):
    channel: str

    def send(self, message: OutboxMessage) -> SendResult: ...


class ConsoleSender:
    """Logs the message instead of sending it: the default when a channel has no credentials."""

    def __init__(self, channel: str = "console"):
        self.channel = channel

    def send(self, message: OutboxMessage) -> SendResult:
        # One message, one log line: a partner's address or a citizen's words carry no newline into the log.
        log.info("[%s -> %s] %s", message.channel, one_line(message.recipient), one_line(message.body))
        return SendResult(ok=True, provider_id=f"console-{message.id}")


CHANNELS = ("telegram", "sms", "whatsapp", "console")


def build_senders(settings) -> dict[str, Sender]:
    """The console sender for every channel. The real senders are chosen where the process is
    put together (app.channels.senders.build_senders), since services do not import channels."""
    return {channel: ConsoleSender(channel) for channel in CHANNELS}


def enqueue(session: Session, now: datetime, *, channel: str, recipient: str, recipient_kind: str,
            template: str, language: str, body: str, complaint: Complaint | None = None,
            reporter_id: int | None = None, user_id: int | None = None, breach_id: int | None = None,
            extra: dict | None = None, status: str = "pending", last_error: str | None = None) -> OutboxMessage:
    """Add a message in the caller's transaction (no commit); the delivery job sends it."""
    message = OutboxMessage(
        complaint_id=complaint.id if complaint is not None else None, channel=channel, recipient=str(recipient)[:64],
        recipient_kind=recipient_kind, reporter_id=reporter_id, user_id=user_id, template=template,
        language=language, body=body, extra=extra or {}, status=status, attempts=0,
        next_attempt_at=now if status == "pending" else None, last_error=last_error, created_at=now,
        breach_id=breach_id,
    )
    session.add(message)
    return message


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full-range jitter (0.5x to 1.5x), capped."""
    base = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return base * (0.5 + (rng or random).random())


def claim(session: Session, now: datetime, limit: int = CLAIM_BATCH) -> list[int]:
    """Mark up to `limit` due messages as sending and return their ids (committed): each is taken
    by exactly one worker (row locks skipped on PostgreSQL; SQLite serialises writers)."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status.in_(("pending", "failed", "sending")), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()),
               OutboxMessage.status.in_(("pending", "failed", "sending")), OutboxMessage.next_attempt_at <= now)
        .values(status="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now + SENDING_LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ))
    session.commit()
    return sorted(ids)


def deliver_due(session: Session, now: datetime, senders: dict[str, Sender], *, limit: int = CLAIM_BATCH,
                rng: random.Random | None = None) -> int:
    """Claim due messages, send each, settle each in its own transaction; returns how many were tried."""
    fall_back_unreported(session, now)
    ids = claim(session, now, limit)
    for message_id in ids:
        message = session.get(OutboxMessage, message_id, populate_existing=True)
        if message is None:
            continue
        reason = _no_longer_wanted(session, message)
        if reason:
            settle(session, now, message.id, message.attempts,
                   SendResult(ok=False, error=reason, permanent=True, withdrawn=True), rng=rng)
            continue
        sender = senders.get(message.channel) or senders.get("console") or ConsoleSender()
        if message.channel == "whatsapp" and getattr(sender, "whatsapp_rules", False):
            refused = _apply_whatsapp_rules(session, now, message)
            if refused:
                settle(session, now, message.id, message.attempts, SendResult(ok=False, error=refused, permanent=True,
                                                                               reporter_state="message_only"), rng=rng)
                continue
        try:
            result = sender.send(message)
        except Exception as exc:  # noqa: BLE001 - a sender bug must not stop the queue
            log.exception("sender %s failed on message %s", message.channel, message.id)
            result = SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        settle(session, now, message.id, message.attempts, result, rng=rng)
    return len(ids)


def _apply_whatsapp_rules(session: Session, now: datetime, message: OutboxMessage) -> str | None:
    """Free text inside the recipient's 24-hour window, the approved template outside it (the
    sender reads content_sid/content_variables from extra); the reason when neither may go."""
    plan = whatsapp.plan(session, message, now)
    extra = {k: v for k, v in (message.extra or {}).items() if k not in ("content_sid", "content_variables")}
    if plan.how == "template":
        extra.update(content_sid=plan.content_sid, content_variables=plan.variables)
    message.extra = extra
    session.flush()
    return plan.reason if plan.how == "refused" else None


def _no_longer_wanted(session: Session, message: OutboxMessage) -> str | None:
    """Checked just before sending: a partner webhook whose token was revoked (or webhook removed)
    after the message was queued gets nothing more."""
    if message.channel != webhook_withdrawal.CHANNEL:
        return None
    return webhook_withdrawal.undeliverable(session, message)


def settle(session: Session, now: datetime, message_id: int, attempts: int, result: SendResult,
           rng: random.Random | None = None) -> str | None:
    """Record a send result: sent, failed (retry later) or dead. Commits. Returns the new status,
    or None when the claim had lapsed and another worker owns the message now."""
    message = session.get(OutboxMessage, message_id, populate_existing=True, with_for_update=True)
    if message is None or message.status != "sending" or message.attempts != attempts:
        session.rollback()
        return None
    if result.ok:
        message.status, message.sent_at, message.last_error = "sent", now, None
        message.provider_id = result.provider_id
        message.next_attempt_at = None
        if not result.awaits_report:
            message.delivered_at = now
        elif _fallbacks(message):
            message.report_due_at = now + REPORT_TIMEOUT
    elif result.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status, message.next_attempt_at = "dead", None
        message.last_error = (result.error or "unknown error")[:2000]
        if result.permanent and not result.withdrawn and message.recipient_kind == REPORTER and message.reporter_id:
            _mark_reporter(session, now, message.reporter_id, result.reporter_state)
            if result.reporter_state == "opted_out":
                consent.record(session, now, channel=message.channel, address=whatsapp.phone_of(message.recipient),
                               kind="opt_out", reason="carrier_stop", reporter_id=message.reporter_id)
        elif result.permanent and not result.withdrawn and message.recipient_kind == STAFF \
                and result.reporter_state == "opted_out":  # a staff member blocked the bot or said STOP
            consent.record(session, now, channel=message.channel, address=whatsapp.phone_of(message.recipient),
                           kind="opt_out", reason="carrier_stop", user_id=message.user_id)
        if not result.withdrawn and result.reporter_state != "opted_out":
            fall_back(session, now, message, message.last_error)
    else:
        message.status = "failed"
        message.last_error = (result.error or "unknown error")[:2000]
        wait = timedelta(seconds=result.retry_after) if result.retry_after else backoff(message.attempts, rng)
        message.next_attempt_at = now + wait
    metrics.message_settled(session, message.channel, message.status)
    session.flush()
    if message.breach_id is not None and message.status in ("sent", "dead"):
        refresh_breach_delivery(session, message.breach_id)
    if message.status == "dead" and message.complaint_id is not None and not result.withdrawn and not message.fallback_id:
        _record_failure(session, now, message)
    session.commit()
    return message.status


def _mark_reporter(session: Session, now: datetime, reporter_id: int, state: str) -> None:
    reporter = session.get(Reporter, reporter_id)
    if reporter is None:
        return
    if state == "opted_out":
        reporter.opted_out, reporter.opted_out_at = True, now
    elif state == "unreachable":
        reporter.unreachable = True


def _fallbacks(message: OutboxMessage) -> list:
    return [pair for pair in (message.extra or {}).get("fallback") or []
            if isinstance(pair, (list, tuple)) and len(pair) == 2]


def fall_back(session: Session, now: datetime, message: OutboxMessage, why: str | None) -> OutboxMessage | None:
    """Queue this message's text on the recipient's next channel (once); None when none is left."""
    remaining = _fallbacks(message)
    if message.fallback_id is not None or not remaining:
        return None
    (channel, address), rest = remaining[0], remaining[1:]
    extra = {k: v for k, v in (message.extra or {}).items() if k not in ("content_sid", "content_variables")}
    extra.update(fallback=rest, fallback_of=message.id, fallback_why=one_line(why or "")[:200])
    successor = enqueue(session, now, channel=channel, recipient=address, recipient_kind=message.recipient_kind,
                        template=message.template, language=message.language, body=message.body,
                        reporter_id=message.reporter_id, user_id=message.user_id, breach_id=message.breach_id,
                        extra=extra)
    successor.complaint_id = message.complaint_id
    session.flush()
    message.fallback_id, message.report_due_at = successor.id, None
    log.info("message %s (%s) goes by %s as message %s: %s", message.id, message.channel, channel, successor.id,
             redact_phones(one_line(why or "")))
    return successor


def fall_back_unreported(session: Session, now: datetime) -> int:
    """Messages sent without a delivery report within REPORT_TIMEOUT go by the next channel.
    Taken by a conditional update, so with several schedulers each falls back once. Commits."""
    ids = list(session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.report_due_at <= now, OutboxMessage.delivered_at.is_(None),
               OutboxMessage.fallback_id.is_(None))
        .values(report_due_at=None)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ))
    for message_id in ids:
        message = session.get(OutboxMessage, message_id, populate_existing=True)
        fall_back(session, now, message, f"no delivery report within {int(REPORT_TIMEOUT.total_seconds() // 60)} min")
    session.commit()
    return len(ids)


def on_delivered(session: Session, message: OutboxMessage, now: datetime) -> None:
    """A delivered/read report: the message reached the device; its breach counts as notified. No commit."""
    if message.delivered_at is None:
        message.delivered_at = now
    message.report_due_at = None
    if message.breach_id is not None:
        session.flush()
        refresh_breach_delivery(session, message.breach_id)


def on_delivery_failed(session: Session, message: OutboxMessage, now: datetime) -> None:
    """An undelivered/failed report (e.g. WhatsApp's 63016 after accepting): the next channel. No commit."""
    message.report_due_at = None
    fall_back(session, now, message, message.last_error)
    if message.breach_id is not None:
        session.flush()
        refresh_breach_delivery(session, message.breach_id)


def refresh_breach_delivery(session: Session, breach_id: int) -> None:
    """A breach says whether its alerts reached anyone: notified once any recipient had one
    delivered (a delivery report, not Twilio's acceptance, on any of their channels); "failed to
    notify" only when nobody was reached and every recipient's last channel died; unknown while
    any is still on its way (app/domain/delivery.py decides, per recipient)."""
    breach = session.get(Breach, breach_id)
    if breach is None:
        return
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.delivered_at, OutboxMessage.extra,
               OutboxMessage.fallback_id)
        .where(OutboxMessage.breach_id == breach_id)
    ).all()
    if not rows:
        return
    attempts = [delivery.Attempt(id=r.id, status=r.status, delivered_at=r.delivered_at,
                                 fallback_of=(r.extra or {}).get("fallback_of"), fallback_id=r.fallback_id)
                for r in rows]
    breach.staff_notified, breach.notify_failed = delivery.level_verdict(attempts)


def _record_failure(session: Session, now: datetime, message: OutboxMessage) -> None:
    from app.services import audit

    complaint = session.get(Complaint, message.complaint_id, with_for_update=True)
    if complaint is None:
        return
    # Every agency officer reads the trail; a provider's text may name the recipient ("The 'To' number
    # +62... is not valid"): the trail keeps it with numbers masked, the outbox row (admins) in full.
    audit.record(session, complaint, "message_failed", now, SYSTEM, data={
        "message_id": message.id, "template": message.template, "channel": message.channel,
        "recipient_kind": message.recipient_kind, "attempts": message.attempts,
        "error": redact_phones(message.last_error),
    })


def next_due_at(session: Session) -> datetime | None:
    """When the next message is due (for the delivery loop to sleep until then)."""
    return session.scalar(
        select(func.min(OutboxMessage.next_attempt_at))
        .where(OutboxMessage.status.in_(("pending", "failed", "sending")))
    )


def counts(session: Session) -> dict[str, int]:
    return dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
