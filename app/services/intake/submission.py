"""Intake: validate a report, find its reporter, route it, stamp its deadlines, open its trail.

What a report may claim depends on who brings it (the actor), whichever door it came through:
- the channel follows the credential: a partner's reports are `api` (`open311` through Open311),
  staff may also enter `counter` and `phone` reports; only the citizen channels' own dialogues
  file `telegram`, `sms` and `whatsapp` reports;
- a time of receipt in the past is for staff entering a walk-in or phone report (counter
  rights): supervisors and admins for any complaint they enter, officers and agency heads only for
  one their own agency handles (`may_backdate`); a partner's deadlines run from arrival, its
  claimed time kept in the trail only;
- a reporter's address is bound only by the citizen writing from it (see `reporters`);
- coordinates from staff and partners must lie in the jurisdiction (`app.domain.area`)."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app import metrics
from app.domain import area, privacy, status_code
from app.domain.actor import SYSTEM, Actor
from app.domain.calendar import make_calendar
from app.domain.sla import compute_deadlines, select_policy
from app.models import Category, Complaint, Event, Jurisdiction, OutboxMessage, Reporter, SlaPolicy, TicketCounter
from app.services import audit
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.intake import fast_insert, reporters
from app.services.messaging import notifications, sms_gateways
from app.services.reference import cache as reference_cache
from app.services.reference import places
from app.services.sla import cursor as sla_cursor

log = logging.getLogger(__name__)

CHANNELS = ("api", "telegram", "sms", "whatsapp", "web", "counter", "phone", "open311")
# The channels whose dialogues know the citizen's address first-hand (they file as the citizen or the system).
CITIZEN_CHANNELS = ("telegram", "sms", "whatsapp")
# Counter rights: who may enter walk-in and phone reports, with their real (earlier) time of receipt.
COUNTER_ROLES = ("officer", "agency_head", "supervisor", "admin")
STAFF_TOKEN_CHANNELS = ("api", "counter", "phone")
STAFF_WEB_CHANNELS = ("counter", "phone")
MAX_DESCRIPTION = 4000
# A partner's clock may run a little ahead of ours; beyond this a receipt time "in the future" is refused.
CLOCK_SKEW = timedelta(minutes=2)
MAX_BACKDATE = timedelta(days=30)
# A time of receipt this recent is a report being typed in as it is received (the counter form
# gives the minute), not one entered late: any counter staff may give it.
ENTRY_GRACE = timedelta(minutes=15)
BACKDATE_ANY_ROLES = ("supervisor", "admin")


def _jurisdiction(session: Session, code: str | None) -> Jurisdiction:
    if not code or not isinstance(code, str):
        raise ValidationFailed("jurisdiction is required (e.g. 'banyuwangi')", field="jurisdiction")
    found = reference_cache.jurisdiction_by_code(session, code.strip().lower())
    if found is None:
        known = ", ".join(reference_cache.jurisdiction_codes(session))
        raise ValidationFailed(f"unknown jurisdiction {code!r}; known: {known}", field="jurisdiction")
    return found


def _category(session: Session, code: str | None) -> Category:
    if not code or not isinstance(code, str):
        raise ValidationFailed("category is required", field="category")
    active = reference_cache.active_categories(session)
    found = active.get(code.strip().lower())
    if found is None:
        known = ", ".join(sorted(active))
        raise ValidationFailed(f"unknown category {code!r}; one of: {known}", field="category")
    return found


def _coordinate(value, name: str, limit: float) -> float | None:
    """A number, or its text as a form sends it; never a boolean, a list or an object."""
    try:
        return area.coordinate(value, limit)
    except ValueError as exc:
        raise ValidationFailed(f"{name} {exc}", field=name) from None


def area_of(session: Session, jurisdiction: Jurisdiction) -> area.Box:
    """The box a point must fall in to be in this jurisdiction: around its villages' centres."""
    villages = reference_cache.places(session, jurisdiction.id).villages
    return area.around((v.lat, v.lon) for v in villages)


def _inside(session: Session, jurisdiction: Jurisdiction, lat: float, lon: float) -> None:
    box = area_of(session, jurisdiction)
    if not box.contains(lat, lon):
        raise ValidationFailed(f"the location is outside {jurisdiction.name} ({box.describe()})", field="lat")


def _channel(claimed, actor: Actor, door: str | None) -> str:
    """The channel a complaint is filed under: it follows the credential, not the caller's word."""
    if claimed is not None and not isinstance(claimed, str):
        raise ValidationFailed("channel must be text", field="channel")
    claimed = claimed.strip().lower() if claimed else None
    if actor.kind == "token":
        if door == "open311":
            allowed = ("open311",)
        elif actor.role in COUNTER_ROLES:
            allowed = STAFF_TOKEN_CHANNELS
        elif actor.role == "partner":
            allowed = ("api",)
        else:
            raise Forbidden(f"a {actor.role} token may not submit complaints")
    elif actor.kind == "user":
        if actor.role not in COUNTER_ROLES:
            raise Forbidden("only counter staff may enter complaints")
        allowed = STAFF_WEB_CHANNELS
    else:  # the citizen channels' dialogues and Sigap itself
        if claimed is not None and claimed not in CHANNELS:
            raise ValidationFailed(f"unknown channel {claimed!r}; one of: {', '.join(CHANNELS)}", field="channel")
        return claimed or "api"
    if claimed is None:
        return allowed[0]
    if claimed not in allowed:
        known = "" if claimed in CHANNELS else "unknown channel; "
        raise ValidationFailed(
            f"channel {claimed!r} is not accepted: {known}the channel follows the credential, and this one files "
            + " or ".join(repr(c) for c in allowed) + " complaints", field="channel")
    return claimed


def may_backdate(actor: Actor, agency_id: int | None) -> bool:
    """Whether a time of receipt before arrival is honoured for a complaint routed to `agency_id`:
    for Sigap itself, supervisors and admins (in their jurisdiction, as any complaint they enter),
    and officers and agency heads for their own agency's complaints only: nobody makes another
    agency's deadlines run out before it has seen the complaint."""
    if actor.kind == "system":
        return True
    if actor.kind not in ("user", "token") or actor.role not in COUNTER_ROLES:
        return False
    if actor.role in BACKDATE_ANY_ROLES:
        return True
    return agency_id is not None and agency_id == actor.agency_id


def _honoured_received_at(actor: Actor, agency, claimed: datetime, now: datetime) -> datetime:
    """The time of receipt the deadlines run from: the claimed one when the actor may backdate this
    complaint; arrival for a partner (its claim stays information); for counter staff of another
    agency the claimed one only within ENTRY_GRACE, else a 422 (a supervisor enters it)."""
    if claimed >= now or may_backdate(actor, agency.id if agency is not None else None):
        return claimed
    if actor.kind in ("user", "token") and actor.role in COUNTER_ROLES:
        if now - claimed <= ENTRY_GRACE:
            return claimed
        goes_to = f"goes to {agency.name}" if agency is not None else "goes to the supervisors' triage"
        raise ValidationFailed(
            f"this complaint {goes_to}, not to your agency: you may enter it as received now (or up to "
            f"{int(ENTRY_GRACE.total_seconds() // 60)} minutes ago); a report received earlier must be "
            "entered by a supervisor", field="received_at")
    return now


def _received_at(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationFailed("received_at must be a date-time with a time zone (e.g. 2026-11-23T09:00:00+07:00)",
                               field="received_at")
    if value > now + CLOCK_SKEW:
        raise ValidationFailed("received_at is in the future; give the real time the report was received",
                               field="received_at")
    if value < now - MAX_BACKDATE:
        raise ValidationFailed("received_at is more than 30 days ago", field="received_at")
    return min(value, now)


def policy_for(session: Session, jurisdiction_id: int, category_id: int, received_at: datetime) -> SlaPolicy:
    """The version in force at `received_at` (a cached, detached instance: attach it to write with it)."""
    candidates = [p for p in reference_cache.places(session, jurisdiction_id).policies
                  if p.category_id in (None, category_id)]
    policy = select_policy(candidates, category_id, received_at)
    if policy is None:
        raise ValidationFailed("no SLA policy is in force for this jurisdiction at the time of receipt",
                               code="no_policy")
    return policy


def calendar_for(policy: SlaPolicy, jurisdiction: Jurisdiction):
    return make_calendar(policy.calendar, jurisdiction.timezone, policy.business_hours)


def take_numbers(session: Session, jurisdiction: Jurisdiction, year: int, *,
                 last_sms_of: str | None = None,
                 new_reporter: Reporter | None = None) -> tuple[int, str, int | None, int | None]:
    """The next ticket number for (jurisdiction, year) and, on PostgreSQL, the new complaint's id
    too (taken from its sequence in the same statement, so that the complaint, its events and its
    messages can go in together).

    PostgreSQL: a sequence per jurisdiction and year (`ticket_seq_<jurisdiction id>_<year>`),
    read in the complaint's own transaction: `nextval` never waits for another intake and is never
    rolled back, so a number is never issued twice and is skipped only if saving the complaint
    fails after taking it. The sequence is created on first use, starting after the highest
    number already issued (the `ticket_counters` row kept before sequences, or stored complaints).
    SQLite has a single writer anyway (BEGIN IMMEDIATE): the `ticket_counters` row, inside the
    complaint's transaction.

    last_sms_of: a phone the receipt may go to by SMS; on PostgreSQL the same statement also asks which
    number it last wrote to (sms_gateways.LAST_SMS_SQL), which the receipt's gateway then needs no
    round trip of its own for.

    new_reporter: a new reporter's transient row (reporters.Pending.reporter), inserted on PostgreSQL by this
    same statement (INSERT ... ON CONFLICT DO NOTHING, a data-modifying WITH); the id it got comes
    fourth (None: nothing inserted, the address is known; reporters.settle finds that row). Elsewhere the
    caller inserts it itself (the fourth value is None then too)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return *_take_number(session, jurisdiction, year, sqlite.insert), None, None
    name = f"ticket_seq_{int(jurisdiction.id)}_{int(year)}"
    params: tuple = (name,)
    # to_regclass: NULL rather than an error (which would abort the transaction) while it is missing
    sql = "SELECT nextval(to_regclass(%s)), nextval(pg_get_serial_sequence('complaints', 'id'))"
    if new_reporter is not None:
        insert, values = fast_insert.insert_one_sql(connection.dialect, new_reporter, unless_conflict=True)
        sql = f"WITH new_reporter AS ({insert}) {sql}, (SELECT id FROM new_reporter)"
        params = values + params
    if last_sms_of:
        sql += (f", last.to_number, last.message_sid FROM (SELECT 1) AS one "
                f"LEFT JOIN LATERAL ({sms_gateways.LAST_SMS_SQL}) AS last ON true")
        params += (last_sms_of,)
    row = connection.exec_driver_sql(sql, params).one()
    seq, complaint_id = row[0], row[1]
    reporter_id = row[2] if new_reporter is not None else None
    if last_sms_of:
        to_number, message_sid = row[-2], row[-1]
        sms_gateways.prefetched(session, last_sms_of, None if message_sid is None else (to_number, message_sid))
    if seq is None:
        seq = _first_of_sequence(session.get_bind().engine, name, jurisdiction.id, year)
    return seq, _ticket(jurisdiction, year, seq), complaint_id, reporter_id


def _first_of_sequence(engine, name: str, jurisdiction_id: int, year: int) -> int:
    """Create the sequence, starting after every number issued so far, and take a number from it;
    on a connection of its own, committed at once (a transaction that has looked for the sequence
    does not see it appear). Two processes may race to create it: IF NOT EXISTS, and the loser's
    duplicate-catalogue error is harmless, the sequence exists either way."""
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        issued = conn.execute(_ISSUED_PG, {"jurisdiction_id": jurisdiction_id, "year": year}).scalar_one()
        try:
            conn.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(issued) + 1}")
        except DBAPIError as exc:
            log.info("creating %s: %s", name, exc.orig)
        return conn.exec_driver_sql(f"SELECT nextval('{name}')").scalar_one()


_ISSUED_PG = text(
    "SELECT GREATEST("
    "(SELECT COALESCE(MAX(last_seq), 0) FROM ticket_counters WHERE jurisdiction_id = :jurisdiction_id AND year = :year), "
    "(SELECT COALESCE(MAX(seq), 0) FROM complaints WHERE jurisdiction_id = :jurisdiction_id AND year = :year))")


def _take_number(executor, jurisdiction: Jurisdiction, year: int, insert) -> tuple[int, str]:
    stmt = insert(TicketCounter).values(jurisdiction_id=jurisdiction.id, year=year, last_seq=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TicketCounter.jurisdiction_id, TicketCounter.year],
        set_={"last_seq": TicketCounter.last_seq + 1},
    ).returning(TicketCounter.last_seq)
    seq = executor.execute(stmt).scalar_one()
    return seq, _ticket(jurisdiction, year, seq)


def _ticket(jurisdiction: Jurisdiction, year: int, seq: int) -> str:
    return f"{jurisdiction.ticket_prefix}-{year}-{seq:06d}"


def submit(session: Session, now: datetime, **fields) -> Complaint:
    """Create a complaint and commit it: `stage` (with the standard receipt) in a transaction of its own."""
    complaint = stage(session, now, **fields)
    session.commit()
    return complaint


def stage(session: Session, now: datetime, *, jurisdiction: str, category: str, description: str,
          district: str | None = None, village: str | None = None, lat=None, lon=None,
          address: str | None = None, reporter: dict | None = None, channel: str | None = None,
          received_at: datetime | None = None, external_ref: str | None = None,
          actor: Actor = SYSTEM, door: str | None = None, receipt: bool = True,
          confidentiality: str | None = None) -> Complaint:
    """Create a complaint in the caller's transaction, not committed: routed to an agency or sent to
    triage, deadlines stamped, trail opened, its messages in the outbox. The caller adds what belongs
    with it (photos, an idempotency key's response, its own answer) and commits once.

    `channel` and `received_at` are what the caller claims; the actor decides what is kept (see
    the module). `door` is "open311" for an Open311 request (its channel is always `open311`).
    receipt=False leaves out the citizen's standard receipt: a dialogue answering them itself.
    `confidentiality` is the citizen's choice (normal, rahasia, anonim; app.domain.privacy): an
    anonymous report keeps no name, and only the address a citizen channel answers on (none at all
    when a partner or the counter brings it: they answer the citizen themselves).
    A reporter actor without an id is the complaint's own reporter (a citizen's dialogue whose reporter
    is new: its row goes in here, with the ticket number, and the actor's id is that row's)."""
    channel = _channel(channel, actor, door)
    try:
        choice = privacy.confidentiality_of(confidentiality)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="confidentiality") from None
    jur = _jurisdiction(session, jurisdiction)
    cat = _category(session, category)
    if not isinstance(description, str) or not description.strip():
        raise ValidationFailed("description is required: say what happened", field="description")
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(f"description is longer than {MAX_DESCRIPTION} characters", field="description")
    if address is not None and (not isinstance(address, str) or len(address) > 300):
        raise ValidationFailed("address must be text of at most 300 characters", field="address")
    lat_f, lon_f = _coordinate(lat, "lat", 90), _coordinate(lon, "lon", 180)
    if (lat_f is None) != (lon_f is None):
        raise ValidationFailed("give both lat and lon, or neither", field="lat")
    citizen_dialogue = actor.kind in ("system", "reporter") and channel in CITIZEN_CHANNELS
    # A citizen's shared location is what their phone said: kept as given (their dialogue
    # matches it to a village); anyone else's point must lie in the jurisdiction.
    if lat_f is not None and not citizen_dialogue:
        _inside(session, jur, lat_f, lon_f)
    for name, value in (("district", district), ("village", village)):
        if value is not None and not isinstance(value, str):
            raise ValidationFailed(f"{name} must be text (a name or a Kemendagri code)", field=name)

    dist = None
    if district:
        dist = places.find_district(session, jur.id, district)
        if dist is None:
            raise ValidationFailed(f"unknown district {district!r} in {jur.name}", field="district")
    vil = None
    if village:
        vil = places.find_village(session, jur.id, village, district_id=dist.id if dist else None)
        if vil is None:
            hint = ""
            suggestions = places.suggest_villages(session, jur.id, village, limit=3)
            if suggestions:
                hint = "; did you mean " + ", ".join(v.name for v, _score in suggestions) + "?"
            raise ValidationFailed(f"unknown village {village!r} in {jur.name}{hint}", field="village")
        if dist is None:
            namesakes = places.namesakes(session, jur.id, vil.name)
            if len(namesakes) > 1:
                known = reference_cache.places(session, jur.id)
                where = ", ".join(sorted(known.district_by_id[v.district_id].name for v in namesakes))
                raise ValidationFailed(f"there is a {vil.name} in several districts ({where}); give the district too",
                                       field="district")
            dist = reference_cache.attach(session, reference_cache.places(session, jur.id).district_by_id[vil.district_id])
    if dist is None and lat_f is None and not address:
        raise ValidationFailed("say where: a district, a village, lat/lon or an address", field="village")
    if reporter is not None and not isinstance(reporter, dict):
        raise ValidationFailed("reporter must be an object with name, phone, telegram_chat_id", field="reporter")
    claimed_received = _received_at(received_at, now)
    agency = reference_cache.places(session, jur.id).route(cat.id, dist.id if dist else None)
    # Who may backdate depends on where the complaint goes: deadlines, policy and breaches run from here.
    received = _honoured_received_at(actor, agency, claimed_received, now)
    policy = policy_for(session, jur.id, cat.id, received)
    deadlines = compute_deadlines(received, policy, calendar_for(policy, jur))
    rep = None
    if reporter and choice == privacy.ANONIM:
        # Only what the channel needs to answer this one report: the citizen's own address.
        own = "telegram_chat_id" if channel == "telegram" else "phone"
        reporter = {own: reporter.get(own), "language": reporter.get("language")} if citizen_dialogue else None
    postgresql = session.get_bind().dialect.name == "postgresql"
    if reporter:
        # On PostgreSQL a new reporter goes in with the ticket numbers (one statement; see take_numbers).
        rep = _reporter(session, now, reporter, channel, citizen_dialogue, defer_insert=postgresql)

    year = received.astimezone(ZoneInfo(jur.timezone)).year
    pending = rep if isinstance(rep, reporters.Pending) else None
    if pending is not None:
        rep = pending.reporter  # its address, for the receipt's gateway below
    # The receipt's SMS gateway is asked with the ticket number (one statement; see take_numbers).
    seq, ticket, complaint_id, reporter_id = take_numbers(
        session, jur, year, last_sms_of=rep.phone if receipt and rep is not None else None,
        new_reporter=pending.reporter if pending is not None else None)
    if pending is not None:
        rep = reporters.settle(session, pending, reporter_id)
    if actor.kind == "reporter" and actor.id is None and rep is not None:
        actor = replace(actor, id=rep.id)  # the citizen filing is this reporter (see the docstring)
    # Session copies of the cached reference rows (no SQL), so that what follows (deadlines,
    # messages, the answer) reads them without a query.
    jur, cat, policy, agency = (reference_cache.attach(session, o) for o in (jur, cat, policy, agency))
    code = status_code.new_code()
    complaint = Complaint(
        ticket=ticket, status_code_hash=status_code.digest(ticket, code), jurisdiction_id=jur.id, year=year, seq=seq, category_id=cat.id, description=description,
        district_id=dist.id if dist else None, village_id=vil.id if vil else None, address=address,
        lat=lat_f, lon=lon_f, channel=channel, external_ref=external_ref, submitted_by=actor.label,
        reporter_id=rep.id if rep else None, confidentiality=choice, agency_id=agency.id if agency else None,
        status="assigned" if agency else "triage", sla_policy_id=policy.id, received_at=received,
        triage_due_at=None if agency else deadlines.triage_due_at,
        ack_due_at=deadlines.ack_due_at, handle_due_at=deadlines.handle_due_at,
        created_at=now, updated_at=now,
        jurisdiction=jur, category=cat, district=dist, village=vil, reporter=rep, agency=agency, sla_policy=policy,
    )
    # Shown once, on the receipt (its messages are written below, in this transaction); only the hash is kept.
    complaint.status_code = status_code.display(code)
    sla_cursor.reschedule(complaint, now)  # before the INSERT: its cursor goes in with it
    metrics.complaint_received(session, channel=channel, jurisdiction=jur.code)  # counted if it commits
    if complaint_id is None:
        fast_insert.insert_one(session, complaint)
    else:  # its id known already: it goes in with its events and messages, in one statement
        complaint.id = complaint_id
        session.add(complaint)
    # Nothing below reads the new rows back, and they must go in the complaint first (events and
    # messages refer to it by id only, so the ORM would not order them): no autoflush.
    with session.no_autoflush:
        set_committed_value(complaint, "breaches", [])  # new: none yet, no need to ask
        audit.start_chain(session, complaint)
        received_data = {
            "channel": channel, "received_at": received.isoformat(), "category": cat.code, "category_id": cat.id,
            "district": dist.code if dist else None, "district_id": dist.id if dist else None,
            "village": vil.code if vil else None,
            "sla_policy_id": policy.id, "ack_due_at": deadlines.ack_due_at.isoformat(),
            "handle_due_at": deadlines.handle_due_at.isoformat(),
        }
        if choice != privacy.NORMAL:
            received_data["confidentiality"] = choice
        if claimed_received != received:  # information only: never a deadline
            received_data["claimed_received_at"] = claimed_received.isoformat()
        complaint.claimed_at_intake = (claimed_received if claimed_received != received else None,)
        late = int((now - received).total_seconds() // 60)
        if late > 0:  # entered after it was received: reviews of its breaches can tell
            received_data["entered_late_minutes"] = late
        events: list[Event] = [audit.record(session, complaint, "received", now, actor, flush=False,
                                            data=received_data)]
        if agency:
            events.append(audit.record(session, complaint, "routed", now, SYSTEM, flush=False,
                                       data={"agency": agency.code, "agency_id": agency.id}))
        else:
            events.append(audit.record(session, complaint, "triaged", now, SYSTEM, flush=False, data={
                "reason": "no routing rule", "triage_due_at": deadlines.triage_due_at.isoformat()}))
        for event in events:
            notifications.on_event(session, complaint, event, now, receipt=receipt)
        sms_gateways.forget_prefetched(session)  # asked for this receipt only
    if not fast_insert.insert_pending(session, Complaint, Event, OutboxMessage, keep=(Complaint,)):
        # Something else is pending too: all of it now but the events and messages, which refer to the
        # complaint by id only (the ORM would not put them after it); they go in at the commit.
        later = [o for o in session.new if isinstance(o, (Event, OutboxMessage))]
        for obj in later:
            session.expunge(obj)
        session.flush()
        session.add_all(later)
    return complaint


def _reporter(session: Session, now: datetime, given: dict, channel: str, citizen_dialogue: bool,
              defer_insert: bool = False):
    """The complaint's reporter (a reporters.Pending with defer_insert, for a new address). A citizen
    channel's own dialogue binds the one address the citizen is writing from (and their language);
    anyone else's reporter details are a claim: an existing reporter is used unchanged, a new one gets
    one address."""
    own = "telegram_chat_id" if channel == "telegram" else "phone"
    if citizen_dialogue and given.get(own) not in (None, ""):
        return reporters.find_or_create(session, now, name=given.get("name"), language=given.get("language"),
                                        binding=reporters.CHANNEL, defer_insert=defer_insert,
                                        **{own: given.get(own)})
    return reporters.find_or_create(session, now, phone=given.get("phone"),
                                    telegram_chat_id=given.get("telegram_chat_id"), name=given.get("name"),
                                    language=given.get("language"), binding=reporters.CLAIMED,
                                    defer_insert=defer_insert)


def claimed_received_at(session: Session, complaint: Complaint) -> datetime | None:
    """The time of receipt a complaint's submitter claimed and intake did not use, if any (without a
    query for a complaint `stage` has just made: it knows)."""
    if complaint.claimed_at_intake is not None:
        return complaint.claimed_at_intake[0]
    data = session.scalar(select(Event.data).where(Event.complaint_id == complaint.id, Event.kind == "received"))
    claimed = (data or {}).get("claimed_received_at")
    return datetime.fromisoformat(claimed) if claimed else None


def get_by_ticket(session: Session, ticket: str, *, lock: bool = False) -> Complaint:
    wanted = ticket.strip().upper() if isinstance(ticket, str) else ""
    if not _ticket_shaped(wanted):  # text holding NUL cannot even be compared on PostgreSQL
        raise NotFound(f"no complaint with ticket {ticket!r}")
    stmt = select(Complaint).where(Complaint.ticket == wanted)
    if lock:
        stmt = stmt.with_for_update()
    complaint = session.scalar(stmt)
    if complaint is None:
        raise NotFound(f"no complaint with ticket {ticket!r}")
    return complaint


def _ticket_shaped(text: str) -> bool:
    """BWI-2026-000123, with room for other prefixes: ASCII letters, digits and hyphens."""
    return 0 < len(text) <= 64 and text.isascii() and text.replace("-", "").isalnum()
