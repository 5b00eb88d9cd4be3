"""The record of who agreed to hear from Sigap and who said STOP: each opt-in and opt-out with its
time, channel and address (WhatsApp's business policy asks for an opt-in before business-initiated
messages, and an operator must be able to show it)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.whatsapp import OptRecord


def record(session: Session, now: datetime, *, channel: str, address: str, kind: str, reason: str,
           reporter_id: int | None = None, user_id: int | None = None, complaint_id: int | None = None) -> OptRecord:
    """Add one opt-in/opt-out (no commit). kind: opt_in | opt_out; reason: wrote_first, stop, start, ..."""
    row = OptRecord(channel=channel, address=str(address)[:64], kind=kind, reason=reason[:40], at=now,
                    reporter_id=reporter_id, user_id=user_id, complaint_id=complaint_id)
    session.add(row)
    return row


def history(session: Session, channel: str, address: str) -> list[OptRecord]:
    return list(session.scalars(select(OptRecord).where(OptRecord.channel == channel, OptRecord.address == address)
                                .order_by(OptRecord.at, OptRecord.id)))
