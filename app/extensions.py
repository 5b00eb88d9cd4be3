"""Per-app state (engine, sessions, clock, settings) and the request-scoped session."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from config import Settings


@dataclass
class SigapState:
    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]
    clock: Clock
    # settings -> {channel: Sender}: the channels' senders, put together where the app is
    # (create_app), so that a channel that delivers the outbox itself (`telegram poll`) needs
    # no import of the others.
    build_senders: Callable | None = None


def state() -> SigapState:
    return current_app.extensions["sigap"]


def db_session() -> Session:
    """The request's session; closed (and rolled back if not committed) at teardown."""
    if "sigap_session" not in g:
        g.sigap_session = state().sessionmaker()
    return g.sigap_session


def now():
    return state().clock.now()


def close_session(_exc=None) -> None:
    session = g.pop("sigap_session", None)
    if session is not None:
        session.close()
