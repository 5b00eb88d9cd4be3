"""Agencies, report categories and the routing rules that join them."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, JsonType
from .place import District, Jurisdiction


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_supervisor: Mapped[bool] = mapped_column(Boolean, default=False)
    # The accountable head: a staff user when one exists, and the name/title as printed on the contract.
    head_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True, ondelete="SET NULL"))
    head_name: Mapped[str | None] = mapped_column(String(200))
    head_title: Mapped[str | None] = mapped_column(String(200))
    duty_phone: Mapped[str | None] = mapped_column(String(32))

    jurisdiction: Mapped[Jurisdiction] = relationship()
    head_user: Mapped["User | None"] = relationship(foreign_keys=[head_user_id])  # noqa: F821


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_id: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list] = mapped_column(JsonType, default=list)  # SMS keywords, upper case
    private: Mapped[bool] = mapped_column(Boolean, default=True)  # never on a public page
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" else self.name_id


class RoutingRule(Base):
    """(jurisdiction, category, optional district) -> agency; the most specific rule wins."""

    __tablename__ = "routing_rules"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "category_id", "district_id"),
        # NULLs are distinct in a unique constraint: one jurisdiction-wide rule per category needs its own index.
        Index("uq_routing_rules_jurisdiction_wide", "jurisdiction_id", "category_id", unique=True,
              postgresql_where=text("district_id IS NULL"), sqlite_where=text("district_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))

    category: Mapped[Category] = relationship()
    district: Mapped[District | None] = relationship()
    agency: Mapped[Agency] = relationship()
