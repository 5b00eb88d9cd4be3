"""Telegram channel state: processed update ids, one conversation per chat, staff link codes, photos."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JsonType


class TelegramUpdate(Base):
    """An update_id already handled: Telegram re-sends on any non-2xx, so a retry must change nothing."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime]


class TelegramConversation(Base):
    """Where one chat is in the guided report, and its draft; lives in the database so any worker can answer."""

    __tablename__ = "telegram_conversations"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(5), default="id")
    jurisdiction_code: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(30))  # None | category | location | description | confirm
    draft: Mapped[dict] = mapped_column(JsonType, default=dict)
    updated_at: Mapped[datetime]


class TelegramLinkCode(Base):
    """A one-time code a staff user sends to the bot (`/link CODE`) to receive alerts in Telegram."""

    __tablename__ = "telegram_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the code
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_chat_id: Mapped[int | None] = mapped_column(BigInteger)


class TelegramAttachment(Base):
    """A photo a reporter sent with a complaint: Telegram's file id, and the local copy once downloaded."""

    __tablename__ = "telegram_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    file_size: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(String(100))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    stored_path: Mapped[str | None] = mapped_column(String(300))  # relative to the instance folder
    download_attempts: Mapped[int] = mapped_column(Integer, default=0)
    download_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    downloaded_at: Mapped[datetime | None]
