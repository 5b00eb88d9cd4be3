"""Search and filtered lists over every complaint a reader may see, open and closed: by ticket,
reporter's phone, words of the description and village name, filtered by state, date received,
agency, district, category and assignee; a page at a time, or all of it for a CSV.

Indexes (migration 0019): words through the full-text GIN index on PostgreSQL (prefix matching,
'simple' configuration), tickets and phones through their unique indexes, villages through
complaints.village_id; newest first through (jurisdiction_id | agency_id, received_at)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from app.domain import privacy
from app.domain.actor import Actor
from app.domain.phone import to_e164
from app.domain.visibility import scope_of
from app.models import (OPEN_STATUSES, Agency, Category, Complaint, District, Jurisdiction, Reporter, User,
                        Village)
from app.services.access import visibility
from app.services.reporting.dashboard import join_row_names

CLOSED_STATUSES = ("handled", "resolved", "closed", "rejected")
STATES = ("open", "closed") + OPEN_STATUSES + CLOSED_STATUSES
PER_PAGE = 50
COUNT_CAP = 10_000  # beyond this the page says "more than 10 000": counting further costs more than it tells
EXPORT_CAP = 50_000
TICKET = re.compile(r"^[A-Za-z]{2,6}-\d{4}-\d{1,9}$")
PHONE = re.compile(r"^\+?[\d\s().-]{8,20}$")
MAX_WORDS = 8


@dataclass(frozen=True)
class Criteria:
    text: str = ""
    state: str | None = None  # one of STATES
    received_from: datetime | None = None  # inclusive, UTC
    received_until: datetime | None = None  # exclusive, UTC
    agency: str | None = None  # agency code
    district_id: int | None = None
    category: str | None = None  # category code
    assignee_id: int | None = None  # "mine"


@dataclass(frozen=True)
class Found:
    id: int
    ticket: str
    status: str
    category_code: str
    category_id_name: str
    category_en_name: str
    agency_name: str | None
    assignee_name: str | None
    district_name: str | None
    village_name: str | None
    received_at: datetime
    ack_due_at: datetime
    handle_due_at: datetime
    acknowledged_at: datetime | None
    handled_at: datetime | None
    timezone: str
    channel: str
    reject_reason: str | None
    reopened_count: int
    description: str

    def category_name(self, lang: str) -> str:
        return self.category_en_name if lang == "en" else self.category_id_name


@dataclass
class Page:
    rows: list[Found]
    total: int  # capped at COUNT_CAP + 1
    page: int
    per_page: int
    criteria: Criteria = field(default_factory=Criteria)
    estimated: bool = False  # total extrapolated from the newest complaints (words at scale, `_windowed`)

    @property
    def more_than_cap(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, COUNT_CAP) // self.per_page))


def words_of(text: str) -> list[str]:
    """The words searched for: letters and digits only (anything else cannot reach the query syntax)."""
    return [w.lower() for w in re.findall(r"\w+", text or "", flags=re.UNICODE)][:MAX_WORDS]


def _text_condition(session: Session, actor: Actor, text: str, c=Complaint):
    """A ticket, else a phone number, else words: each word in the description (all of them), or
    the words naming a village. Each branch is served by an index of its own, so PostgreSQL
    combines them (BitmapOr) instead of reading every description."""
    text = (text or "").strip()
    if not text:
        return None
    if TICKET.match(text):
        return c.ticket == text.upper()
    if PHONE.match(text) and sum(ch.isdigit() for ch in text) >= 8:
        phone = to_e164(text)
        if phone:
            return _phone_condition(actor, phone)
    words = words_of(text)
    if not words:
        return c.id == -1
    if session.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        described = (func.to_tsvector(literal_column("'simple'"), c.description)
                     .op("@@")(func.to_tsquery(literal_column("'simple'"), query)))
    else:
        described = and_(*[c.description.ilike(f"%{_like(w)}%", escape="\\") for w in words])
    villages = list(session.scalars(select(Village.id).where(
        func.lower(Village.name).like(f"%{_like(' '.join(words))}%", escape="\\")).limit(200)))
    return or_(described, c.village_id.in_(villages)) if villages else described


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _phone_condition(actor: Actor, phone: str):
    """A reporter found by phone only where the reader may see that reporter's phone in full
    (app/domain/privacy.py): otherwise the search would tell who reported a confidential case."""
    reporters = select(Reporter.id).where(Reporter.phone == phone)
    condition = Complaint.reporter_id.in_(reporters)
    allowed = privacy.phone_search_allowed(actor)
    if allowed is not None:  # a confidential or anonymous reporter is not found by phone
        condition = and_(condition, Complaint.confidentiality.in_(allowed))
    if actor.kind == "system" or actor.role in privacy.FULL_ROLES:
        return condition
    if actor.is_agency_scoped and actor.staff_user_id is not None:
        return and_(condition, Complaint.assignee_id == actor.staff_user_id)
    return Complaint.id == -1


def _select(c=Complaint):
    assignee = aliased(User)
    return join_row_names(
        select(c.id, c.ticket, c.status, Category.code, Category.name_id, Category.name_en,
               Agency.name, assignee.name, District.name, Village.name, c.received_at,
               c.ack_due_at, c.handle_due_at, c.acknowledged_at, c.handled_at,
               Jurisdiction.timezone, c.channel, c.reject_reason, c.reopened_count,
               c.description),
        c, assignee)


def _where(session: Session, actor: Actor, criteria: Criteria) -> list:
    conditions = [visibility.condition(scope_of(actor))]
    text = _text_condition(session, actor, criteria.text)
    if text is not None:
        conditions.append(text)
    return conditions + _filters(session, criteria)


def _filters(session: Session, criteria: Criteria) -> list:
    """The list filters (everything but the scope and the text)."""
    conditions = []
    if criteria.state == "open":
        conditions.append(Complaint.status.in_(OPEN_STATUSES))
    elif criteria.state == "closed":
        conditions.append(Complaint.status.in_(CLOSED_STATUSES))
    elif criteria.state in STATES:
        conditions.append(Complaint.status == criteria.state)
    if criteria.received_from is not None:
        conditions.append(Complaint.received_at >= criteria.received_from)
    if criteria.received_until is not None:
        conditions.append(Complaint.received_at < criteria.received_until)
    if criteria.agency:
        conditions.append(Complaint.agency_id == (
            session.scalar(select(Agency.id).where(Agency.code == criteria.agency)) or -1))
    if criteria.category:
        conditions.append(Complaint.category_id == (
            session.scalar(select(Category.id).where(Category.code == criteria.category)) or -1))
    if criteria.district_id:
        conditions.append(Complaint.district_id == criteria.district_id)
    if criteria.assignee_id:
        conditions.append(Complaint.assignee_id == criteria.assignee_id)
    return conditions


def _newest_first(session: Session, criteria: Criteria, total: int) -> tuple:
    """Newest first. On PostgreSQL, words matching few complaints are read through the text index
    and sorted (ordering by an expression no index provides); walking the received_at index instead
    would test every description until fifty match, all of them when none does. Words matching
    many complaints (more than COUNT_CAP) are found within the first rows of that walk."""
    received = Complaint.received_at
    if criteria.text and total <= COUNT_CAP and session.get_bind().dialect.name == "postgresql":
        received = received + literal_column("interval '0 seconds'")
    return received.desc(), Complaint.id.desc()


WINDOW = 2_000  # newest complaints in scope read first when searching words (PostgreSQL)
MAX_WINDOW = 50_000  # a later page of a common word: at most this many newest complaints read
SCOPE_COUNT_LIMIT = 500_000  # at most this many index entries counted to extrapolate a window's matches


def _words_searched(session: Session, criteria: Criteria) -> bool:
    text = (criteria.text or "").strip()
    return (bool(text) and session.get_bind().dialect.name == "postgresql" and not TICKET.match(text)
            and not (PHONE.match(text) and sum(ch.isdigit() for ch in text) >= 8) and bool(words_of(text)))


def _windowed(session: Session, actor: Actor, criteria: Criteria, page: int, per_page: int) -> Page | None:
    """Words on PostgreSQL, for staff: read the WINDOW newest complaints in scope (and the other
    filters) through (jurisdiction_id | agency_id, received_at), or (received_at, id) for a
    province-wide reader (migration 0031), and test their descriptions. At national scale a common word matches hundreds of thousands
    of complaints whose rows are not in memory: counting them, or combining the text index with the
    scope, reads them all (11-16 s at 10M); the window reads 2,000 rows whatever the size.

    - The window holds every complaint in scope: the count and the page are exact, from the window.
    - It is full: the total is its matches extrapolated over the scope (the complaints in scope
      counted from the index alone, up to SCOPE_COUNT_LIMIT), shown as "more than COUNT_CAP" or as
      "about N" (`Page.estimated`); a page beyond the window's matches is read from a window as
      many times larger as the matches so far say it takes, or, beyond MAX_WINDOW or if that window
      falls short of a full page, through the text index as before.
    - It is full and holds no match: None, and the text index finds the older ones, as before."""
    scope = scope_of(actor)
    if scope.nothing or scope.reporter_id is not None or scope.submitted_by is not None:
        return None  # a reporter's or a partner's own complaints: few, found through their own index
    base = [visibility.condition(scope), *_filters(session, criteria)]
    needed, estimated, size, covered = page * per_page, False, WINDOW, False
    seen, matched, oldest = _probe(session, actor, criteria, base, size)
    if seen < WINDOW:  # the window holds the whole scope: exact
        total = matched
    elif not matched:
        return None  # a word not among the newest: the text index finds the older ones
    else:
        # Matches per complaint in scope over the window's span, times the complaints in scope, both
        # counted from the (jurisdiction_id | agency_id, received_at) index alone.
        dated = [visibility.condition(scope), *_dated(criteria)]
        spanned = _count(session, [*dated, Complaint.received_at >= oldest], SCOPE_COUNT_LIMIT)
        enough = -(-2 * (COUNT_CAP + 1) * spanned // matched)  # in scope, for twice COUNT_CAP matches
        in_scope = _count(session, dated, min(enough, SCOPE_COUNT_LIMIT))
        if in_scope >= SCOPE_COUNT_LIMIT and enough > SCOPE_COUNT_LIMIT:
            return None  # more in scope than counted, too few matches to tell: the text index counts them
        estimate = max(matched, matched * in_scope // max(spanned, 1))
        total, estimated = (COUNT_CAP + 1, False) if estimate > COUNT_CAP else (_rounded(estimate), True)
        if matched < needed:  # a later page: a window as many times larger as it takes, within MAX_WINDOW
            size = -(-needed * seen * 3 // (matched * 2))
            covered = in_scope < min(enough, SCOPE_COUNT_LIMIT) and size >= in_scope  # the whole scope
            if size > MAX_WINDOW:
                return None  # deep into a rarer word: the text index finds the page
    if not total:
        return Page(rows=[], total=0, page=page, per_page=per_page, criteria=criteria)
    recent = _recent(base, size)
    query = (_select(recent).where(_text_condition(session, actor, criteria.text, recent))
             .order_by(recent.received_at.desc(), recent.id.desc())
             .offset((page - 1) * per_page).limit(per_page))
    rows = [Found(*row) for row in session.execute(query)]
    if len(rows) < per_page and size > WINDOW and not covered:
        return None  # the widened window fell short of the page: the text index finds it
    return Page(rows=rows, total=total, page=page, per_page=per_page, criteria=criteria, estimated=estimated)


def _recent(base: list, size: int):
    """The `size` newest complaints meeting `base`, as a table of their own: the LIMIT inside keeps
    PostgreSQL walking the received_at index and testing words on those rows only, whatever it
    estimates for the words."""
    return aliased(Complaint, select(Complaint).where(*base)
                   .order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(size).subquery("recent"))


def _probe(session: Session, actor: Actor, criteria: Criteria, base: list, size: int) -> tuple:
    """How many complaints the window holds, how many of them match, and the oldest one's time."""
    recent = _recent(base, size)
    text = _text_condition(session, actor, criteria.text, recent)
    return tuple(session.execute(
        select(func.count(), func.count().filter(text), func.min(recent.received_at)).select_from(recent)).one())


def _rounded(n: int) -> int:
    """An estimate to two significant figures (1,234 -> 1,200): it is not a count."""
    return n if n < 100 else round(n, 2 - len(str(n)))


def _dated(criteria: Criteria) -> list:
    conditions = []
    if criteria.received_from is not None:
        conditions.append(Complaint.received_at >= criteria.received_from)
    if criteria.received_until is not None:
        conditions.append(Complaint.received_at < criteria.received_until)
    return conditions


def _count(session: Session, conditions: list, limit: int) -> int:
    return session.scalar(select(func.count()).select_from(
        select(Complaint.id).where(*conditions).limit(limit).subquery())) or 0


def search(session: Session, actor: Actor, criteria: Criteria, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the complaints `actor` may see that match, newest first, and how many match
    (counted up to COUNT_CAP; estimated beyond it when words are searched, see `_windowed`)."""
    per_page = max(1, min(per_page, 200))
    page = max(1, min(page, COUNT_CAP // per_page + 1))
    if _words_searched(session, criteria):
        found = _windowed(session, actor, criteria, page, per_page)
        if found is not None:
            return found
    conditions = _where(session, actor, criteria)
    matched = select(Complaint.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(matched)) or 0
    query = (_select().where(*conditions).order_by(*_newest_first(session, criteria, total))
             .offset((page - 1) * per_page).limit(per_page))
    rows = [Found(*row) for row in session.execute(query)] if total else []
    return Page(rows=rows, total=total, page=page, per_page=per_page, criteria=criteria)


def export(session: Session, actor: Actor, criteria: Criteria, limit: int = EXPORT_CAP) -> list[Found]:
    """Every matching complaint (up to `limit`), newest first, for a CSV."""
    conditions = _where(session, actor, criteria)
    matched = select(Complaint.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(matched)) or 0
    query = _select().where(*conditions).order_by(*_newest_first(session, criteria, total)).limit(limit)
    return [Found(*row) for row in session.execute(query)]
