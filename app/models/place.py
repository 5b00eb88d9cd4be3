"""Jurisdictions and their gazetteer: districts (kecamatan) and villages (desa/kelurahan)."""
from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Jurisdiction(Base):
    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    ticket_prefix: Mapped[str] = mapped_column(String(8), unique=True)
    regency_code: Mapped[str | None] = mapped_column(String(10))  # Kemendagri code, e.g. 35.10

    districts: Mapped[list["District"]] = relationship(back_populates="jurisdiction", order_by="District.code")


class District(Base):
    __tablename__ = "districts"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="districts")
    villages: Mapped[list["Village"]] = relationship(back_populates="district", order_by="Village.code")


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("district_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    district: Mapped[District] = relationship(back_populates="villages")
