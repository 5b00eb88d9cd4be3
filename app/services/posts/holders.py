"""Naming the holder of an accountable post. A post's tenures never overlap: naming a new holder
closes the current tenure at that very moment, and both steps go into the post's audit trail.
The agency's `head_*` columns mirror the current agency head (who is alerted today); figures never
read them, they read the tenures (tenure.py)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.models import Agency, Breach, Complaint, District, Jurisdiction, User, Village
from app.models.performance_rollup import PerformanceFact, PerformancePending
from app.models.post import POST_KINDS, Post, PostHolder
from app.models.sla_engine import EscalationContact
from app.services import audit
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.reference import operator_files

MAX_REPORTED_ERRORS = 50
JURISDICTION_POSTS = ("regent", "regional_secretary", "triage_desk")


def _require_admin(actor: Actor) -> None:
    if actor.kind != "system" and actor.role != "admin":
        raise Forbidden("only an administrator may name the holders of posts", code="forbidden")


def sync_posts(session: Session, now: datetime) -> int:
    """Create the posts that are missing: an agency head per agency, a camat per district, a village
    head per village, and regent, sekda and triage desk per jurisdiction. Flushes; returns how many."""
    have = set(session.scalars(select(Post.key)))
    wanted: list[Post] = []

    def want(key, kind, jurisdiction_id, **where):
        if key not in have:
            have.add(key)
            wanted.append(Post(key=key, kind=kind, jurisdiction_id=jurisdiction_id, created_at=now, **where))

    jurisdictions = {j.id: j for j in session.scalars(select(Jurisdiction))}
    for jur in jurisdictions.values():
        for kind in JURISDICTION_POSTS:
            want(f"{kind}:{jur.code}", kind, jur.id)
    for agency in session.scalars(select(Agency)):
        want(f"agency_head:{agency.code}", "agency_head", agency.jurisdiction_id, agency_id=agency.id)
    for district in session.scalars(select(District)):
        want(f"camat:{jurisdictions[district.jurisdiction_id].code}:{district.code}", "camat",
             district.jurisdiction_id, district_id=district.id)
    for village, jid in session.execute(select(Village, District.jurisdiction_id).join(District)):
        want(f"village_head:{jurisdictions[jid].code}:{village.code}", "village_head", jid,
             district_id=village.district_id, village_id=village.id)
    session.add_all(wanted)
    session.flush()
    return len(wanted)


def post_by_key(session: Session, key: str, now: datetime | None = None) -> Post:
    key = (key or "").strip().lower() if isinstance(key, str) else ""
    post = session.scalar(select(Post).where(Post.key == key))
    if post is None and now is not None:  # a place added since: its post is made on first use
        sync_posts(session, now)
        post = session.scalar(select(Post).where(Post.key == key))
    if post is None:
        raise NotFound(f"no post {key!r} (e.g. agency_head:bwi-dinsos, camat:banyuwangi:35.10.01, "
                       f"village_head:banyuwangi:35.10.01.2001, regent:banyuwangi, regional_secretary:banyuwangi, "
                       f"triage_desk:banyuwangi; `posts list` shows them)", code="unknown_post", field="post")
    return post


def parse_when(text, tz: str) -> datetime:
    """A date (local midnight), a local date and time, or an ISO time with an offset."""
    if isinstance(text, datetime):
        return text
    raw = (text or "").strip() if isinstance(text, str) else ""
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"{text!r} is not a date (2026-11-05) or a time (2026-11-05 08:00)",
                               code="bad_time", field="from") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tz))
    return at.astimezone(timezone.utc)


def _text(value, name: str, limit: int = 200) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise ValidationFailed(f"{name} must be text of at most {limit} characters", field=name)
    return value.strip() or None


def assign(session: Session, now: datetime, actor: Actor, post_key: str, *, username: str | None = None,
           contact_id: int | None = None, name: str | None = None, title: str | None = None,
           from_at: datetime | str | None = None, note: str | None = None, commit: bool = True) -> PostHolder:
    """Name the holder of a post from `from_at` (default: now; never in the future, never before
    the current holder's start). Closes the current tenure at that moment; audited. Commits unless told not to."""
    _require_admin(actor)
    post = post_by_key(session, post_key, now)
    jur = session.get(Jurisdiction, post.jurisdiction_id)
    at = now if from_at in (None, "") else parse_when(from_at, jur.timezone)
    if at > now:
        raise ValidationFailed("a holder is named from now or from a moment in the past, not the future",
                               code="future_tenure", field="from")
    user = None
    if username:
        user = session.scalar(select(User).where(User.username == str(username).strip()))
        if user is None or not user.active:
            raise ValidationFailed(f"no active user {username!r}", code="unknown_user", field="username")
    contact = None
    if contact_id not in (None, ""):
        try:
            contact = session.get(EscalationContact, int(contact_id))
        except (TypeError, ValueError):
            contact = None
        if contact is None or contact.jurisdiction_id != post.jurisdiction_id:
            raise ValidationFailed(f"no escalation contact {contact_id!r} in {jur.code}", code="unknown_contact",
                                   field="contact")
    holder_name = _text(name, "name") or (user.name if user else None) or (contact.name if contact else None)
    if not holder_name:
        raise ValidationFailed("name a holder: a username, an escalation contact or a name", code="no_holder",
                               field="username")
    title = _text(title, "title") or (contact.title if contact else None)
    note = _text(note, "note", 2000)
    tenures = list(session.scalars(select(PostHolder).where(PostHolder.post_id == post.id)
                                   .order_by(PostHolder.from_at).with_for_update()))
    later = [t for t in tenures if t.from_at >= at]
    if later:
        raise ValidationFailed(f"{later[-1].name} holds {post.key} from {later[-1].from_at:%Y-%m-%d %H:%M} UTC: "
                               f"a new holder starts after that", code="tenure_order", field="from")
    current = next((t for t in tenures if t.until_at is None or t.until_at > at), None)
    if current is not None and current.user_id == (user.id if user else None) and current.name == holder_name:
        raise ValidationFailed(f"{holder_name} already holds {post.key}", code="same_holder", field="username")
    if current is not None:
        current.until_at = at
        audit.record_post_event(session, post, "tenure_closed", now, actor, note=note,
                                data={"holder_id": current.id, "name": current.name, "user_id": current.user_id,
                                      "from": current.from_at, "until": at})
    holder = PostHolder(post_id=post.id, user_id=user.id if user else None, contact_id=contact.id if contact else None,
                        name=holder_name, title=title, from_at=at, until_at=None, assigned_by=actor.label,
                        assigned_at=now, note=note)
    session.add(holder)
    session.flush()
    audit.record_post_event(session, post, "holder_named", now, actor, note=note,
                            data={"holder_id": holder.id, "name": holder_name, "user_id": holder.user_id,
                                  "contact_id": holder.contact_id, "title": title, "from": at})
    if post.kind == "agency_head":
        agency = session.get(Agency, post.agency_id)
        agency.head_user_id = user.id if user and user.role == "agency_head" and user.agency_id == agency.id else None
        agency.head_name, agency.head_title = holder_name, title or agency.head_title
    if at < now:
        _recharge_breaches(session, post, holder, now, actor)
    _requeue_facts(session, post, at)
    if commit:
        session.commit()
    return holder


def _recharge_breaches(session: Session, post: Post, holder: PostHolder, now: datetime, actor) -> None:
    """A holder named from a past moment answers for the breaches of deadlines that fell since
    (database triggers requeue the closed complaints among them for the rollups). Each change goes
    into the complaint's own chain, so `audit verify` sees the new official as recorded, not edited."""
    if post.kind == "agency_head":
        whose = and_(Breach.agency_id == post.agency_id, Breach.kind != "triage")
    elif post.kind == "triage_desk":
        whose = and_(Breach.kind == "triage", Breach.complaint_id.in_(
            select(Complaint.id).where(Complaint.jurisdiction_id == post.jurisdiction_id)))
    else:
        return
    changed = session.execute(select(Breach.id, Breach.complaint_id, Breach.kind, Breach.due_at, Breach.official_id)
                              .where(whose, Breach.due_at >= holder.from_at).order_by(Breach.id)).all()
    changed = [row for row in changed if row.official_id != holder.user_id]
    if not changed:
        return
    session.execute(update(Breach).where(Breach.id.in_([row.id for row in changed]))
                    .values(official_id=holder.user_id, official_name=holder.name))
    for row in changed:
        complaint = session.get(Complaint, row.complaint_id)
        audit.record(session, complaint, "breach_recharged", now, actor,
                     data={"breach_id": row.id, "kind": row.kind, "due_at": row.due_at.isoformat(),
                           "official_id": holder.user_id, "official": holder.name, "post": post.key})


def _requeue_facts(session: Session, post: Post, since: datetime) -> None:
    """Closed complaints whose frozen facts were charged after `since` to this post: recompute them."""
    F = PerformanceFact
    if post.kind == "agency_head":
        whose = F.agency_id == post.agency_id
    elif post.kind == "triage_desk":
        whose = and_(F.agency_id.is_(None), F.jurisdiction_id == post.jurisdiction_id)
    else:
        return
    session.execute(insert(PerformancePending).from_select(
        ["complaint_id"], select(F.complaint_id).where(whose, F.handle_due_at >= since)))


def list_posts(session: Session, now: datetime, *, jurisdiction: str | None = None, kind: str | None = None,
               at: datetime | None = None) -> list[dict]:
    """Posts with their holder at `at` (default now) and every tenure, oldest first."""
    sync_posts(session, now)
    at = at or now
    query = select(Post, Jurisdiction.code).join(Jurisdiction, Jurisdiction.id == Post.jurisdiction_id)
    if jurisdiction:
        query = query.where(Jurisdiction.code == jurisdiction.strip().lower())
    if kind:
        if kind not in POST_KINDS:
            raise ValidationFailed(f"kind must be one of: {', '.join(POST_KINDS)}", field="kind")
        query = query.where(Post.kind == kind)
    found = list(session.execute(query.order_by(Jurisdiction.code, Post.kind, Post.key)))
    ids = [p.id for p, _ in found]
    tenures: dict[int, list[PostHolder]] = {}
    for t in session.scalars(select(PostHolder).where(PostHolder.post_id.in_(ids)).order_by(PostHolder.from_at)):
        tenures.setdefault(t.post_id, []).append(t)
    names = _place_names(session)
    out = []
    for post, jcode in found:
        history = tenures.get(post.id, [])
        holder = next((t for t in history if t.from_at <= at and (t.until_at is None or t.until_at > at)), None)
        out.append({"key": post.key, "kind": post.kind, "jurisdiction": jcode, "place": names.get(post.key),
                    "holder": _tenure(holder) if holder else None, "tenures": [_tenure(t) for t in history]})
    return out


def _place_names(session: Session) -> dict:
    names = {f"agency_head:{code}": name for code, name in session.execute(select(Agency.code, Agency.name))}
    for jcode, dcode, dname in session.execute(select(Jurisdiction.code, District.code, District.name).join(
            District, District.jurisdiction_id == Jurisdiction.id)):
        names[f"camat:{jcode}:{dcode}"] = dname
    return names


def _tenure(t: PostHolder) -> dict:
    def z(at):
        return None if at is None else at.isoformat().replace("+00:00", "Z")

    return {"id": t.id, "name": t.name, "title": t.title, "user_id": t.user_id, "contact_id": t.contact_id,
            "username": t.user.username if t.user else None, "from": z(t.from_at), "until": z(t.until_at)}


@dataclass
class ImportResult:
    rows: int = 0
    named: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.rows} row(s): {len(self.named)} holder(s) named"


COLUMNS = ("post", "username", "contact", "name", "title", "from", "note")


def import_csv(session: Session, now: datetime, actor: Actor, path: Path | str) -> ImportResult:
    """Name holders from a CSV (post,username,contact,name,title,from,note; a whole regency's history).
    All or nothing: any bad line raises ValidationFailed naming each problem by line, and nothing is
    stored. Rows are applied per post in `from` order. Flushes; the caller commits."""
    _require_admin(actor)
    path = Path(path)
    text = operator_files.read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "post" not in header or "from" not in header:
        raise ValidationFailed(f"{path.name}: the first line must name the columns, at least post and from "
                               f"({','.join(COLUMNS)})", field="file")
    reader.fieldnames = header
    sync_posts(session, now)
    errors: list[str] = []
    rows = []
    for row in reader:
        line = f"line {reader.line_num}"
        values = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}
        try:
            post = post_by_key(session, values.get("post", ""))
            jur = session.get(Jurisdiction, post.jurisdiction_id)
            at = parse_when(values.get("from"), jur.timezone)
        except (NotFound, ValidationFailed) as exc:
            errors.append(f"{line}: {exc}")
            continue
        rows.append((post.key, at, line, values))
    if not rows and not errors:
        raise ValidationFailed(f"{path.name}: no rows", field="file")
    result = ImportResult(rows=len(rows) + len(errors))
    savepoint = session.begin_nested()
    for key, at, line, values in sorted(rows, key=lambda r: (r[0], r[1])):
        try:
            assign(session, now, actor, key, username=values.get("username") or None,
                   contact_id=values.get("contact") or None, name=values.get("name") or None,
                   title=values.get("title") or None, from_at=at, note=values.get("note") or None, commit=False)
            result.named.append(f"{key} from {at:%Y-%m-%d %H:%M}Z")
        except (NotFound, ValidationFailed) as exc:
            errors.append(f"{line}: {exc}")
    if errors:
        savepoint.rollback()
        shown = sorted(errors, key=lambda e: int(e.split(":")[0].split()[1]))[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        raise ValidationFailed(f"{path.name}: {len(errors)} problem(s), nothing stored\n" + "\n".join(shown)
                               + (f"\n... and {more} more" if more else ""), code="bad_posts_file")
    savepoint.commit()
    return result
