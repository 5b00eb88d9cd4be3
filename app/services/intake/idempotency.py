"""Idempotency keys: a retried POST with the same key and body gets the first response, never a second complaint.

A request claims its key (`begin`, committed at once, so concurrent copies see it), then stores
its response with `finish` in the transaction that carries its effect: the complaint and the
finished key are committed together or not at all, so no crash between them can let a retry do
the work again."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models.partner import IdempotencyKey
from app.services.errors import Conflict, ValidationFailed

# A key is remembered this long; after that the same key starts afresh.
KEY_TTL = timedelta(hours=24)
# A key still "started" after this long belongs to a request that died; the next try takes it over.
STARTED_LEASE = timedelta(minutes=2)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict


class KeyReused(ValidationFailed):
    code = "idempotency_key_reused"


class KeyInProgress(Conflict):
    code = "idempotency_key_in_progress"


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValidationFailed("Idempotency-Key must be 1-200 visible ASCII characters (a UUID is a good choice)",
                               field="Idempotency-Key")
    return key


def begin(session: Session, now: datetime, *, token_id: int, key: str, fingerprint: str) -> StoredResponse | None:
    """Claim the key for this request (committed at once), or return the response stored for it.
    Raises KeyReused when the key came with another request, KeyInProgress while its first use runs."""
    key = check_key(key)
    for _attempt in range(3):
        row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.token_id == token_id,
                                                          IdempotencyKey.key == key))
        if row is not None:
            expired = row.created_at <= now - KEY_TTL
            abandoned = row.status == "started" and row.created_at <= now - STARTED_LEASE
            if expired or abandoned:
                session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id,
                                                              IdempotencyKey.status == row.status))
                session.commit()
                continue
            if row.fingerprint != fingerprint:
                session.rollback()
                raise KeyReused("this Idempotency-Key was already used with a different request; "
                                "use a new key for a new request")
            if row.status == "done":
                stored = StoredResponse(row.response_status or 200, row.response_body or "", row.response_headers or {})
                session.rollback()
                return stored
            session.rollback()
            raise KeyInProgress("a request with this Idempotency-Key is still being processed; retry in a moment")
        session.add(IdempotencyKey(token_id=token_id, key=key, fingerprint=fingerprint, status="started",
                                   created_at=now))
        try:
            session.commit()
            return None
        except IntegrityError:
            # Another request claimed the key between our look and our insert: look again.
            session.rollback()
    raise KeyInProgress("a request with this Idempotency-Key is still being processed; retry in a moment")


def finish(session: Session, now: datetime, *, token_id: int, key: str, status: int, body: str,
           headers: dict) -> None:
    """Store the response of the request that claimed the key, in the caller's transaction (the one
    carrying the request's effect; not committed). Raises KeyInProgress when the key is no longer
    waiting for a response (finished or forgotten meanwhile, after its lease ran out): the caller
    rolls its effect back, so one key never has two."""
    finished = session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.token_id == token_id, IdempotencyKey.key == key, IdempotencyKey.status == "started")
        .values(status="done", response_status=status, response_body=body, response_headers=headers,
                completed_at=now)
        .execution_options(synchronize_session=False))
    if finished.rowcount != 1:
        raise KeyInProgress("a request with this Idempotency-Key is still being processed; retry in a moment")


def release(session: Session, *, token_id: int, key: str) -> None:
    """Forget a claimed key whose request failed, so a corrected retry may use it (commits)."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.token_id == token_id, IdempotencyKey.key == key,
                                                 IdempotencyKey.status == "started"))
    session.commit()


def purge(session: Session, now: datetime) -> int:
    """Delete keys older than KEY_TTL (commits); returns how many."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - KEY_TTL))
    session.commit()
    return result.rowcount or 0
