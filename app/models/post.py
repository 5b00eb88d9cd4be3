"""Accountable posts (agency head, camat, village head, sekda, regent, triage desk) and who held
each from when until when: performance is charged to the holder at the moment a deadline fell."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, JsonType

# agency_head: per agency; camat: per district (kecamatan); village_head: per village (desa);
# regional_secretary (sekda), regent and triage_desk (the supervisors' office): per jurisdiction.
POST_KINDS = ("agency_head", "camat", "village_head", "regional_secretary", "regent", "triage_desk")


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable name used by the CLI and CSV: agency_head:bwi-dinsos, camat:banyuwangi:35.10.01, regent:banyuwangi
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    # The head of the post's trail, as a complaint keeps its own (migration 0033): the event count and
    # the keyed seal of the last event, so that events deleted at the end (with the tenures they record)
    # are caught.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audit_seal: Mapped[str | None] = mapped_column(String(64))

    holders: Mapped[list["PostHolder"]] = relationship(back_populates="post", order_by="PostHolder.from_at")


class PostHolder(Base):
    """One tenure: [from_at, until_at), until_at None while it lasts. Tenures of a post never overlap."""

    __tablename__ = "post_holders"
    __table_args__ = (Index("ix_post_holders_post_from", "post_id", "from_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_contacts.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))  # as printed on the contract
    title: Mapped[str | None] = mapped_column(String(200))
    from_at: Mapped[datetime]
    until_at: Mapped[datetime | None]
    assigned_by: Mapped[str] = mapped_column(String(120))
    assigned_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)

    post: Mapped[Post] = relationship(back_populates="holders")
    user: Mapped["User | None"] = relationship()  # noqa: F821


class PostEvent(Base):
    """The audit trail of a post (named, closed), hash-chained per post like a complaint's events."""

    __tablename__ = "post_events"
    __table_args__ = (Index("uq_post_events_seq", "post_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))  # holder_named | tenure_closed
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JsonType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
