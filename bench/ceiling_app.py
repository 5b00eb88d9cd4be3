"""The ceiling for this stack on this machine: a bare Flask + SQLAlchemy endpoint that inserts one row
per POST and answers 201, served by the same gunicorn settings as Sigap (`gunicorn -c gunicorn.conf.py --preload bench.ceiling_app:app`).

It reads DATABASE_URL and creates its own table `bench_ceiling_rows` in that database."""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from config import normalise_database_url


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "bench_ceiling_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict] = mapped_column(JSON)


engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]), pool_pre_ping=True, pool_size=10,
                       max_overflow=20)
Base.metadata.create_all(engine, checkfirst=True)  # once, in gunicorn's master (--preload)
engine.dispose()  # workers open their own connections after the fork
app = Flask(__name__)


@app.post("/complaints")
def create():
    body = request.get_json(silent=True) or {}
    with Session(engine) as session:
        row = Row(category=str(body.get("category", ""))[:40], body=body)
        session.add(row)
        session.commit()
        return jsonify({"id": row.id}), 201
