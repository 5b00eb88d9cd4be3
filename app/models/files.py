"""Files Sigap stored for a complaint (today the officer's evidence photo): named by the app, found
by a random public reference, so no client ever names a path on the server."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

FILE_PURPOSES = ("evidence", "report")  # staff proof of handling; a reporter's own photo


class ComplaintFile(Base):
    """One stored file of one complaint. `ref` is what URLs and API bodies carry; `stored_path` is
    relative to the storage root (the instance folder) and chosen by the app only."""

    __tablename__ = "complaint_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    stored_path: Mapped[str] = mapped_column(String(300), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int | None] = mapped_column(Integer)  # None (with sha256) for photos adopted by migration 0009
    sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_by: Mapped[str | None] = mapped_column(String(120))  # the actor's label, as on events
    created_at: Mapped[datetime]
