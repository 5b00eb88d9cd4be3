"""Files of a complaint on disk: photos are checked, cleaned of metadata and stored under a name the
app chooses; they are found again only by their random reference through the complaint that owns
them, so no client-supplied path is ever opened.

A stored file lives exactly as long as the transaction that added its row: if that transaction
ends without a commit (a failed handling, a lost connection), the file is removed from disk too."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.domain import images
from app.domain import lifecycle as machine
from app.domain.actor import Actor
from app.models import FILE_PURPOSES, Complaint, ComplaintFile
from app.models.telegram import TelegramAttachment
from app.services.errors import Conflict, Forbidden, ServiceError, ValidationFailed

MAX_BYTES = 8 * 1024 * 1024  # a phone camera's photo
MAX_FILES_PER_COMPLAINT = 20
FOLDER = "files"
# The folders under the storage root that hold complaint files (evidence/: photos stored before
# migration 0009; telegram/: reporters' photos). Nothing else under the root is ever served.
SERVED_FOLDERS = ("files", "evidence", "telegram")
FILE_REF = re.compile(r"[A-Za-z0-9_-]{16,40}")  # what store() gives out (and migration 0009)
TELEGRAM_REF = re.compile(r"telegram-([1-9][0-9]{0,9})")  # a reporter's Telegram photo, by attachment id
MAX_ID = 2**31 - 1  # telegram_attachments.id is a 32-bit integer
_PENDING = "sigap_uncommitted_files"


class FileTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"


class UnsupportedFile(ServiceError):
    status = 415
    code = "unsupported_media_type"


class UnreadableFile(ValidationFailed):
    """Starts like a photo but does not parse as one (damaged, truncated or disguised)."""


def store(session: Session, now: datetime, complaint: Complaint, data: bytes, actor: Actor,
          storage_root: Path | str, purpose: str = "evidence") -> ComplaintFile:
    """Check and clean the photo, write it under an app-chosen name and add its row (not committed)."""
    if purpose not in FILE_PURPOSES:
        raise ValueError(f"unknown file purpose {purpose!r}")
    if not data:
        raise ValidationFailed("the file is empty: send the photo's bytes", field="file")
    if len(data) > MAX_BYTES:
        raise FileTooLarge(f"the photo is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
    try:
        content_type, clean = images.strip_metadata(data)
    except images.UnsupportedImage:
        raise UnsupportedFile("the file is not a JPEG, PNG or WebP photo", field="file") from None
    except images.DamagedImage as exc:
        raise UnreadableFile(f"the photo cannot be read: {exc}", field="file") from None
    count = session.scalar(select(func.count(ComplaintFile.id)).where(ComplaintFile.complaint_id == complaint.id))
    if count >= MAX_FILES_PER_COMPLAINT:
        raise ValidationFailed(f"a complaint keeps at most {MAX_FILES_PER_COMPLAINT} files", field="file")
    ref = secrets.token_urlsafe(18)  # 24 characters of [A-Za-z0-9_-]
    relative = f"{FOLDER}/{complaint.id}/{ref}{images.EXTENSIONS[content_type]}"
    target = Path(storage_root) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_new(target, clean)
    session.info.setdefault(_PENDING, []).append(target)
    row = ComplaintFile(ref=ref, complaint_id=complaint.id, purpose=purpose, stored_path=relative,
                        content_type=content_type, size=len(clean), sha256=hashlib.sha256(clean).hexdigest(),
                        uploaded_by=actor.label, created_at=now)
    session.add(row)
    return row


def upload_evidence(session: Session, now: datetime, ticket: str, actor: Actor, data: bytes,
                    storage_root: Path | str) -> ComplaintFile:
    """A photo for handling the complaint later (the API's upload): stored and committed. Only who
    may handle the complaint may upload, and only while it can still be handled."""
    from app.services import lifecycle

    complaint = lifecycle.load_for(session, ticket, actor, lock=True)  # the per-complaint count holds under races
    role = actor.kind if actor.kind in ("system", "reporter") else (actor.role or "")
    if role not in lifecycle.PERMISSIONS["handle"]:
        raise Forbidden(f"a {role or 'caller'} may not add evidence to complaints")
    try:
        machine.next_status("handle", complaint.status)
    except machine.IllegalTransitionError:
        raise Conflict(f"the complaint is {complaint.status}: evidence is uploaded for handling it",
                       code="illegal_transition") from None
    stored = store(session, now, complaint, data, actor, storage_root)
    session.commit()
    return stored


def evidence_of(session: Session, complaint: Complaint, ref) -> ComplaintFile | None:
    """The complaint's own evidence file with this reference, or None."""
    if not isinstance(ref, str) or not FILE_REF.fullmatch(ref):
        return None
    return session.scalar(select(ComplaintFile).where(
        ComplaintFile.ref == ref, ComplaintFile.complaint_id == complaint.id, ComplaintFile.purpose == "evidence"))


def reporter_photo_refs(session: Session, complaint: Complaint) -> list[str]:
    """References of the photos the reporter sent by Telegram that are stored here, oldest first."""
    ids = session.scalars(select(TelegramAttachment.id).where(
        TelegramAttachment.complaint_id == complaint.id, TelegramAttachment.stored_path.is_not(None))
        .order_by(TelegramAttachment.id))
    return [f"telegram-{attachment_id}" for attachment_id in ids]


def resolve(session: Session, complaint: Complaint, ref, storage_root: Path | str) -> Path | None:
    """The absolute path of the complaint's file with this reference, inside the storage root and
    existing; None for anything else (another complaint's file, a path, an unknown reference)."""
    if not isinstance(ref, str):
        return None
    telegram = TELEGRAM_REF.fullmatch(ref)
    if telegram and int(telegram.group(1)) > MAX_ID:
        return None
    if telegram:
        stored_path = session.scalar(select(TelegramAttachment.stored_path).where(
            TelegramAttachment.id == int(telegram.group(1)), TelegramAttachment.complaint_id == complaint.id))
    elif FILE_REF.fullmatch(ref):
        stored_path = session.scalar(select(ComplaintFile.stored_path).where(
            ComplaintFile.ref == ref, ComplaintFile.complaint_id == complaint.id))
    else:
        return None
    if not stored_path:
        return None
    path = _inside(Path(storage_root), stored_path)
    return path if path is not None and path.is_file() else None


def _inside(root: Path, relative: str) -> Path | None:
    """root/relative resolved (symlinks followed), if it stays within one of the served folders."""
    root = root.resolve()
    path = (root / relative).resolve()
    if not any(path.is_relative_to(root / folder) for folder in SERVED_FOLDERS):
        return None
    return path


def _write_new(target: Path, data: bytes) -> None:
    with open(target, "xb") as out:  # "x": a fresh random name never overwrites anything
        try:
            out.write(data)
        except BaseException:  # a full disk: leave no half photo behind
            out.close()
            target.unlink(missing_ok=True)
            raise


@event.listens_for(Session, "after_commit")
def _kept(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _not_kept(session: Session, transaction) -> None:
    # After a commit the list is already gone; after a rollback or a close it names the files of
    # rows that were never committed.
    if transaction.parent is None:
        for path in session.info.pop(_PENDING, ()):
            path.unlink(missing_ok=True)
