"""Downloads reporters' photos through the Bot API (getFile, then the file URL) into instance storage.

Run by `flask --app wsgi telegram fetch-photos` (and after each `telegram poll` round); a scheduler job
can call `download_pending` the same way. Failed downloads are retried a few times, then left as a
file_id only (Telegram keeps files available for at least an hour; usually much longer)."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.channels.telegram.aio import run_sync
from app.models.telegram import TelegramAttachment

from .sender import open_bot

log = logging.getLogger("sigap.telegram")
MAX_ATTEMPTS = 5
BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses larger files


def storage_path(instance_dir: Path | str, attachment: TelegramAttachment) -> Path:
    """Where a photo lives: <instance>/telegram/<complaint id>/<attachment id>.jpg."""
    return Path(instance_dir) / "telegram" / str(attachment.complaint_id) / f"{attachment.id}.jpg"


async def _download(settings, jobs: list[tuple[int, str, Path]]) -> dict[int, str | None]:
    errors: dict[int, str | None] = {}
    async with open_bot(settings) as bot:
        for attachment_id, file_id, target in jobs:
            try:
                remote = await bot.get_file(file_id)
                target.parent.mkdir(parents=True, exist_ok=True)
                await remote.download_to_drive(target)
                errors[attachment_id] = None
            except Exception as exc:  # one bad file must not stop the others
                errors[attachment_id] = f"{type(exc).__name__}: {exc}"[:300]
    return errors


def download_pending(session: Session, now: datetime, settings, instance_dir: Path | str, limit: int = 20) -> int:
    """Fetch up to `limit` photos not yet stored; records each result and commits. Returns how many were stored."""
    pending = list(session.scalars(
        select(TelegramAttachment)
        .where(TelegramAttachment.stored_path.is_(None), TelegramAttachment.download_attempts < MAX_ATTEMPTS)
        .order_by(TelegramAttachment.id).limit(limit)))
    jobs = []
    for attachment in pending:
        attachment.download_attempts += 1
        if (attachment.file_size or 0) > BOT_API_DOWNLOAD_LIMIT:
            attachment.download_attempts = MAX_ATTEMPTS
            attachment.download_error = "larger than the Bot API's 20 MB download limit"
            continue
        jobs.append((attachment.id, attachment.file_id, storage_path(instance_dir, attachment)))
    session.commit()
    if not jobs:
        return 0
    results = run_sync(_download(settings, jobs))
    stored = 0
    for attachment in pending:
        if attachment.id not in results:
            continue
        error = results[attachment.id]
        if error is None:
            attachment.stored_path = str(storage_path(Path("."), attachment))
            attachment.downloaded_at, attachment.download_error = now, None
            stored += 1
        else:
            attachment.download_error = error
            log.warning("photo %s of complaint %s not downloaded: %s", attachment.id, attachment.complaint_id, error)
    session.commit()
    return stored


def attachments_for(session: Session, complaint_id: int) -> list[TelegramAttachment]:
    """The photos a reporter sent with a complaint (for staff pages)."""
    return list(session.scalars(select(TelegramAttachment).where(TelegramAttachment.complaint_id == complaint_id)
                                .order_by(TelegramAttachment.id)))
