"""What every job needs: sessions, the clock, the senders, and the stop/wake signals."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.services.sla import heartbeat

# The loops never sleep longer than this, so a step inserted by another process is seen quickly.
WAKE_CAP_SECONDS = 0.5


@dataclass
class Runtime:
    sessionmaker: sessionmaker[Session]
    clock: Clock
    settings: object
    senders: dict = field(default_factory=dict)
    name: str = field(default_factory=heartbeat.process_name)
    started_at: datetime | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    wakeups: dict[str, threading.Event] = field(default_factory=dict)
    # monotonic time each loop last finished a pass; the heartbeat vouches only for live loops
    progress: dict[str, float] = field(default_factory=dict)
    born: float = field(default_factory=time.monotonic)

    def stalled(self, loop: str, after_seconds: float) -> bool:
        last = self.progress.get(loop, self.born)
        return time.monotonic() - last > after_seconds

    def wake(self, loop: str | None = None) -> None:
        """Cut a loop's sleep short (e.g. right after a change that makes something due)."""
        for name, event in self.wakeups.items():
            if loop is None or name == loop:
                event.set()


def run_loop(runtime: Runtime, name: str, work, next_due, budget_seconds: float) -> None:
    """Repeat work(session, now) and sleep until next_due(session) (at most WAKE_CAP_SECONDS),
    for about budget_seconds; the scheduler starts the loop again right after."""
    wakeup = runtime.wakeups.setdefault(name, threading.Event())
    end = time.monotonic() + budget_seconds
    while not runtime.stopping.is_set():
        with runtime.sessionmaker() as session:
            work(session, runtime.clock.now())
            upcoming = next_due(session)
        runtime.progress[name] = time.monotonic()
        left = end - time.monotonic()
        if left <= 0:
            return
        wait = WAKE_CAP_SECONDS
        if upcoming is not None:
            wait = min(wait, max((upcoming - runtime.clock.now()).total_seconds(), 0.0))
        if wait > 0:
            wakeup.wait(min(wait, left))
            wakeup.clear()
