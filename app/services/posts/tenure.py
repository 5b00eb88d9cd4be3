"""Who held the accountable post at a moment, as SQL the reports join on (a range join over a
handful of tenure rows) and as a single look-up for the SLA engine."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session

from app.models.post import Post, PostHolder

# The posts a deadline is charged to: an agency's head, or (no agency: in triage) the triage desk.
ACCOUNTABLE_KINDS = ("agency_head", "triage_desk")


def accountable_key(agency_id, jurisdiction_id):
    """The join key of the accountable post: the agency's id, or minus the jurisdiction's id for
    the triage desk (ids are positive), so one equality joins both."""
    return case((agency_id.is_not(None), agency_id), else_=-jurisdiction_id)


def accountable_tenures(name: str = "tenures"):
    """(k, user_id, holder_id, name, from_at, until_at) of every agency head and triage desk tenure."""
    k = case((Post.kind == "agency_head", Post.agency_id), else_=-Post.jurisdiction_id)
    return (select(k.label("k"), PostHolder.user_id, PostHolder.id.label("holder_id"), PostHolder.name,
                   PostHolder.from_at, PostHolder.until_at)
            .join(Post, Post.id == PostHolder.post_id)
            .where(Post.kind.in_(ACCOUNTABLE_KINDS))
            .cte(name))


def during(tenures, at):
    """The tenure row that covers the moment `at` (a column or a value)."""
    return and_(tenures.c.from_at <= at, or_(tenures.c.until_at.is_(None), tenures.c.until_at > at))


def holder_at(session: Session, *, agency_id: int | None, jurisdiction_id: int, at: datetime) -> PostHolder | None:
    """The holder of the accountable post (the agency's head; the triage desk without an agency) at `at`."""
    if agency_id is not None:
        post = select(Post.id).where(Post.kind == "agency_head", Post.agency_id == agency_id)
    else:
        post = select(Post.id).where(Post.kind == "triage_desk", Post.jurisdiction_id == jurisdiction_id)
    return session.scalar(select(PostHolder).where(
        PostHolder.post_id.in_(post), PostHolder.from_at <= at,
        or_(PostHolder.until_at.is_(None), PostHolder.until_at > at)).order_by(PostHolder.from_at.desc()).limit(1))


def holders_at(session: Session, at: datetime, *, agency_ids=(), jurisdiction_ids=()) -> dict[tuple, tuple]:
    """The holders of many accountable posts at `at`, in one query: {("agency", id) or ("jurisdiction",
    id): (name, title)}; a post nobody held then is missing."""
    agency_ids, jurisdiction_ids = set(agency_ids), set(jurisdiction_ids)
    if not agency_ids and not jurisdiction_ids:
        return {}
    which = []
    if agency_ids:
        which.append(and_(Post.kind == "agency_head", Post.agency_id.in_(agency_ids)))
    if jurisdiction_ids:
        which.append(and_(Post.kind == "triage_desk", Post.jurisdiction_id.in_(jurisdiction_ids)))
    query = (select(Post.kind, Post.agency_id, Post.jurisdiction_id, PostHolder.name, PostHolder.title)
             .join(PostHolder, PostHolder.post_id == Post.id)
             .where(or_(*which), PostHolder.from_at <= at,
                    or_(PostHolder.until_at.is_(None), PostHolder.until_at > at))
             .order_by(PostHolder.from_at))
    found = {}
    for kind, agency_id, jurisdiction_id, name, title in session.execute(query):
        key = ("agency", agency_id) if kind == "agency_head" else ("jurisdiction", jurisdiction_id)
        found[key] = (name, title)
    return found
