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

from app.models.telegram import TelegramAttachment

from . import bots

log = logging.getLogger("sigap.telegram")
MAX_ATTEMPTS = 5
BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses larger files
DOWNLOAD_TIMEOUT = 120.0  # seconds for one photo (getFile and the download)


def storage_path(instance_dir: Path | str, attachment: TelegramAttachment) -> Path:
    """Where a photo lives: <instance>/telegram/<complaint id>/<attachment id>.jpg."""
    return Path(instance_dir) / "telegram" / str(attachment.complaint_id) / f"{attachment.id}.jpg"


def _download(settings, file_id: str, target: Path) -> str | None:
    """Fetch one file; None when stored, else what went wrong (one bad file must not stop the others)."""
    async def fetch(bot):
        remote = await bot.get_file(file_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        await remote.download_to_drive(target)

    try:
        bots.call(settings, fetch, timeout=DOWNLOAD_TIMEOUT)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


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
    results = {attachment_id: _download(settings, file_id, target) for attachment_id, file_id, target in jobs}
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
