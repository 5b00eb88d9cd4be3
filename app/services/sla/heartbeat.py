"""Scheduler heartbeats: each scheduler process touches its row; /healthz reports the newest age."""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models.sla_engine import SchedulerHeartbeat

FORGET_AFTER = timedelta(days=1)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def beat(session: Session, now: datetime, name: str, started_at: datetime) -> None:
    """Record that the scheduler `name` is alive at `now` (commits); old rows of dead processes go."""
    row = session.get(SchedulerHeartbeat, name)
    if row is None:
        session.add(SchedulerHeartbeat(name=name, started_at=started_at, beat_at=now))
    else:
        row.beat_at = now
    session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - FORGET_AFTER))
    session.commit()


def age_seconds(session: Session, now: datetime) -> float | None:
    """Seconds since the newest heartbeat of any scheduler, or None if none ever ran."""
    newest = session.scalar(select(SchedulerHeartbeat.beat_at).order_by(SchedulerHeartbeat.beat_at.desc()).limit(1))
    if newest is None:
        return None
    return max((now - newest).total_seconds(), 0.0)


def schedulers(session: Session) -> list[SchedulerHeartbeat]:
    return list(session.scalars(select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.beat_at.desc())))
