"""The Telegram conversation: one inbound update (already parsed into plain values) in, replies out.

Replies are written to the outbox in the same transaction as the state change; the outbox job delivers them."""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, bindparam, inspect, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.db import is_outage
from app.domain.actor import Actor
from app.domain.local_time import local_time as clock_text
from app.i18n import normalise_language, t
from app.models import (
    OPEN_STATUSES,
    Category,
    Complaint,
    District,
    Jurisdiction,
    OutboxMessage,
    Reporter,
    User,
    Village,
)
from app.models.telegram import TelegramAttachment, TelegramConversation, TelegramLinkCode, TelegramUpdate
from app.services import audit, intake, lifecycle
from app.services.access import accounts
from app.services.lifecycle import satisfaction
from app.services.errors import NotFound, ServiceError, ValidationFailed
from app.services.intake import fast_insert
from app.services.messaging import consent, notifications, outbox
from app.services.reference import cache as reference_cache
from app.services.reference import places
from app.services.conversations import alert_replies

log = logging.getLogger("sigap.telegram")
DEFAULT_JURISDICTION = "banyuwangi"
MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 2000
MAX_PHOTOS = 3
# Bot API getFile downloads at most 20 MB; anything above 10 MB is refused before that.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# A shared location is matched to a village only when one with known coordinates is this close.
NEAREST_VILLAGE_KM = 10.0
LINK_CODE_TTL = timedelta(hours=24)
DRAFT_TTL = timedelta(hours=24)
LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Inbound:
    """What the dialogue needs from one Telegram update, in plain values.

    kind: command | text | callback | location | photo | edited | unsupported | other"""

    update_id: int
    kind: str
    chat_id: int | None = None
    chat_type: str | None = None  # private | group | supergroup | channel
    user_id: int | None = None
    user_name: str | None = None
    language_code: str | None = None
    text: str | None = None
    command: str | None = None  # "lapor" (no slash, no @botname)
    args: str = ""
    callback_id: str | None = None
    callback_data: str | None = None
    lat: float | None = None
    lon: float | None = None
    photo: dict | None = None  # file_id, file_unique_id, file_size, width, height, mime_type


@dataclass
class Reply:
    chat_id: int
    text: str
    buttons: list[list[dict]] | None = None


@dataclass
class Outcome:
    duplicate: bool = False
    replies: list[Reply] = field(default_factory=list)
    # Answer to a pressed inline button (stops its spinner); sent as the webhook's reply.
    callback_answer: dict | None = None


class _Turn:
    """One update being handled: the conversation row, the language, and the replies queued so far."""

    def __init__(self, session: Session, now: datetime, inbound: Inbound, conversation: TelegramConversation):
        self.session, self.now, self.inbound, self.conv = session, now, inbound, conversation
        self.outcome = Outcome()
        self._reporter: Reporter | None | object = _UNREAD  # None once asked: this chat has no reporter

    def seen_reporter(self, reporter: Reporter | None) -> None:
        """The chat's reporter as read with its conversation (None: the chat has none)."""
        self._reporter = reporter

    @property
    def lang(self) -> str:
        return self.conv.language

    @property
    def reporter(self) -> Reporter | None:
        if self.inbound.chat_type not in (None, "private"):
            return None  # a group is never a reporter
        if self._reporter is _UNREAD:
            # No autoflush: a reporter is never left pending (intake inserts it at once), and this
            # turn's conversation row then goes in once, as the turn leaves it.
            with self.session.no_autoflush:
                self._reporter = self.session.scalar(
                    select(Reporter).where(Reporter.telegram_chat_id == self.inbound.chat_id))
        return self._reporter

    def say(self, key: str, *, buttons=None, extra: dict | None = None, complaint: Complaint | None = None,
            staff: User | None = None, **params) -> None:
        self.send(t(key, self.lang, **params), template=key, buttons=buttons, extra=extra,
                  complaint=complaint, staff=staff)

    def send(self, text: str, *, template: str, buttons=None, extra: dict | None = None,
             complaint: Complaint | None = None, staff: User | None = None) -> None:
        chat_id = self.inbound.chat_id
        payload = dict(extra or {})
        if buttons:
            payload["buttons"] = buttons
        outbox.enqueue(
            self.session, self.now, channel="telegram", recipient=str(chat_id),
            recipient_kind=outbox.STAFF if staff else outbox.REPORTER, template=template, language=self.lang,
            body=text, complaint=complaint, reporter_id=None if staff else (self.reporter.id if self.reporter else None),
            user_id=staff.id if staff else None, extra=payload,
        )
        self.outcome.replies.append(Reply(chat_id=chat_id, text=text, buttons=buttons))

    def answer(self, text: str | None = None) -> None:
        if self.inbound.callback_id:
            answer = {"callback_query_id": self.inbound.callback_id}
            if text:
                answer["text"] = text[:200]
            self.outcome.callback_answer = answer

    def reset(self, step: str | None = None, draft: dict | None = None) -> None:
        self.conv.step = step
        self.conv.draft = draft or {}

    def update_draft(self, **values) -> None:
        # A new dict so the JSON column is seen as changed.
        self.conv.draft = {**(self.conv.draft or {}), **values}


# The chat's conversation (None for a new chat), its reporter (None for a new citizen) and the reference
# data's versions, in one read: a row even when the chat has neither, so that the category menu and the
# rest come from the reference cache. Plain columns, sent as driver SQL compiled once per dialect: the ORM's
# execution and entity loading cost more CPU than the statement's round trip, and a new chat (the common
# case) has no instance to load; instances are made only for the rows there are (`_loaded`).
_CONVERSATION_COLUMNS = tuple(TelegramConversation.__table__.columns)
_REPORTER_COLUMNS = tuple(Reporter.__table__.columns)
_ONE_ROW = select(literal_column("1").label("one")).subquery("one_row")


def _chat_read(*first):
    return (select(*first, *_CONVERSATION_COLUMNS, *_REPORTER_COLUMNS, reference_cache.VERSIONS)
            .select_from(_ONE_ROW)
            .outerjoin(TelegramConversation.__table__,
                       TelegramConversation.__table__.c.chat_id == bindparam("chat_id", type_=BigInteger()))
            .outerjoin(Reporter.__table__, Reporter.__table__.c.telegram_chat_id == bindparam("chat_id",
                                                                                               type_=BigInteger())))


def _claim(insert):
    """INSERT the update's row unless its update_id is there already, returning it when inserted."""
    return (insert(TelegramUpdate).values(
        update_id=bindparam("update_id", type_=TelegramUpdate.update_id.type),
        chat_id=bindparam("chat_id", type_=TelegramUpdate.chat_id.type),
        kind=bindparam("kind", type_=TelegramUpdate.kind.type),
        received_at=bindparam("received_at", type_=TelegramUpdate.received_at.type),
    ).on_conflict_do_nothing().returning(TelegramUpdate.update_id))


_CLAIM = {"postgresql": _claim(pg_insert), "sqlite": _claim(sqlite_insert)}
_CONVERSATION = _chat_read()
_CLAIMED = _CLAIM["postgresql"].cte("claimed")
_CLAIM_AND_CONVERSATION = _chat_read(select(_CLAIMED.c.update_id).scalar_subquery()).add_cte(_CLAIMED)


class _DriverStatement:
    """A Core statement compiled once per dialect and sent as driver SQL, with each bind parameter's and
    each result column's type processing (time zones, JSON on SQLite) applied here."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled = {}

    def _for(self, dialect):
        compiled = self._compiled.get(dialect)
        if compiled is None:
            c = self.statement.compile(dialect=dialect)
            fixed = c.construct_params(_check=False)  # the statement's own binds' values (the caller's: None)
            processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                          for name, bind in ((b.key, b) for b in c.binds.values())}
            results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                            for column in self.statement.selected_columns)
            compiled = self._compiled[dialect] = (c.string, c.positiontup, fixed, processors, results)
        return compiled

    def row(self, session: Session, params: dict) -> tuple:
        if session.autoflush:
            session.flush()  # as an ORM query would (nothing to do for a request's new session)
        connection = session.connection()
        sql, positions, fixed, processors, results = self._for(connection.dialect)
        values = {**fixed, **params}
        for name, process in processors.items():
            if process is not None:
                values[name] = process(values[name])
        if positions is not None:
            values = tuple(values[name] for name in positions)
        row = connection.exec_driver_sql(sql, values).one()
        return tuple(value if process is None else process(value) for value, process in zip(row, results))


_READ = _DriverStatement(_CONVERSATION)
_CLAIM_AND_READ = _DriverStatement(_CLAIM_AND_CONVERSATION)


def _loaded(session: Session, model, values):
    """The instance of `model` for a row read as plain columns (None when the row has none), as a query
    would give it: the session's own instance when it has one (only what it has not loaded taken from the
    row), else a new persistent one, clean, as if just loaded."""
    pk = values[_pk_index(model)]
    if pk is None:
        return None  # the outer join found no row
    mapper = inspect(model)
    keys = _keys(model)
    existing = session.identity_map.get(mapper.identity_key_from_primary_key((pk,)))
    if existing is not None:
        unloaded = inspect(existing).unloaded
        for key, value in zip(keys, values):
            if key in unloaded:
                set_committed_value(existing, key, value)
        return existing
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(zip(keys, values))
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def _keys(model) -> tuple[str, ...]:
    keys = _KEYS.get(model)
    if keys is None:
        mapper = inspect(model)
        keys = _KEYS[model] = tuple(mapper.get_property_by_column(c).key for c in model.__table__.columns)
    return keys


def _pk_index(model) -> int:
    index = _PK_INDEX.get(model)
    if index is None:
        index = _PK_INDEX[model] = [c.primary_key for c in model.__table__.columns].index(True)
    return index


_KEYS: dict = {}
_PK_INDEX: dict = {}


def handle(session: Session, now: datetime, inbound: Inbound, *,
           default_jurisdiction: str = DEFAULT_JURISDICTION) -> Outcome:
    """Handle one update exactly once: a re-delivered update_id changes nothing (Outcome.duplicate)."""
    # Claim the update_id first, in one statement: a re-delivered one is there already, and a concurrent
    # copy waits here for the other request, then finds it there too.
    postgresql = session.get_bind().dialect.name == "postgresql"
    claim = {"update_id": inbound.update_id, "chat_id": inbound.chat_id, "kind": inbound.kind, "received_at": now}
    if postgresql and inbound.chat_id is not None and inbound.kind != "other":
        # The claim and the chat's read in one statement (the INSERT a data-modifying WITH clause).
        claimed, *row = _CLAIM_AND_READ.row(session, claim)
        if claimed is None:
            return Outcome(duplicate=True)
    else:
        if session.execute(_CLAIM["postgresql" if postgresql else "sqlite"], claim).first() is None:
            return Outcome(duplicate=True)
        if inbound.chat_id is None or inbound.kind == "other":
            session.commit()
            return Outcome()
        row = _READ.row(session, {"chat_id": inbound.chat_id})
    conversation_end = len(_CONVERSATION_COLUMNS)
    reporter_end = conversation_end + len(_REPORTER_COLUMNS)
    conv = _loaded(session, TelegramConversation, row[:conversation_end])
    reporter = _loaded(session, Reporter, row[conversation_end:reporter_end])
    versions = row[reporter_end]
    reference_cache.seen(session, versions)  # the reference cache's check, in this same read
    if conv is None:
        conv = TelegramConversation(chat_id=inbound.chat_id, language=_first_language(inbound), step=None,
                                    draft={}, updated_at=now)
        session.add(conv)
    elif conv.step and now - conv.updated_at > DRAFT_TTL:
        conv.step, conv.draft = None, {}  # a draft abandoned for a day is dropped; its buttons expire
    conv.updated_at = now
    turn = _Turn(session, now, inbound, conv)
    turn.seen_reporter(reporter)
    _dispatch(turn, default_jurisdiction)
    # A new chat's conversation and its replies in one statement (PostgreSQL), not one each at the commit;
    # a known chat's conversation (its step, draft, updated_at) as an UPDATE in its replies' statement.
    fast_insert.insert_pending(session, OutboxMessage, TelegramConversation, keep=(TelegramConversation,),
                               updating=turn.conv if inspect(turn.conv).persistent else None)
    session.commit()
    return turn.outcome


def record_failure(session: Session, now: datetime, inbound: Inbound) -> Outcome:
    """After `handle` failed unexpectedly (and was rolled back): record the update, so it is handled once,
    and tell a private chat its message did not go through rather than saying nothing."""
    try:
        if session.get(TelegramUpdate, inbound.update_id) is not None:
            return Outcome(duplicate=True)
        session.add(TelegramUpdate(update_id=inbound.update_id, chat_id=inbound.chat_id, kind=inbound.kind,
                                   received_at=now))
        outcome = Outcome()
        if inbound.chat_id is not None and inbound.chat_type in (None, "private") \
                and inbound.kind not in ("other", "edited"):
            conv = session.get(TelegramConversation, inbound.chat_id)
            language = conv.language if conv is not None else _first_language(inbound)
            text = t("telegram.failed", language)
            outbox.enqueue(session, now, channel="telegram", recipient=str(inbound.chat_id),
                           recipient_kind=outbox.REPORTER, template="telegram.failed", language=language, body=text)
            outcome.replies.append(Reply(chat_id=inbound.chat_id, text=text))
            if inbound.callback_id:
                outcome.callback_answer = {"callback_query_id": inbound.callback_id}
        session.commit()
        return outcome
    except Exception as exc:
        session.rollback()
        if is_outage(exc):
            raise
        log.exception("telegram update %s could not even be recorded; dropped", inbound.update_id)
        return Outcome()


def _first_language(inbound: Inbound) -> str:
    # Indonesian by default; English only for a Telegram client set to English.
    return "en" if (inbound.language_code or "").lower().startswith("en") else "id"


_UNREAD = object()


def _dispatch(turn: _Turn, default_jurisdiction: str) -> None:
    inbound = turn.inbound
    if inbound.chat_type not in (None, "private"):
        # Reports carry personal details: groups get one pointer to the private chat, and only when addressed.
        if inbound.kind == "command":
            turn.say("telegram.private_only")
        elif inbound.kind == "callback":
            turn.answer(t("telegram.private_only", turn.lang))
        return
    if inbound.kind == "edited":
        return
    if turn.reporter is not None and turn.reporter.unreachable:
        # They write to us, so they have unblocked the bot: messages may flow again.
        turn.reporter.unreachable = False
    if inbound.kind == "command":
        _command(turn, default_jurisdiction)
    elif inbound.kind == "callback":
        _callback(turn, default_jurisdiction)
    elif inbound.kind == "location":
        _location(turn, default_jurisdiction)
    elif inbound.kind == "photo":
        _photo(turn)
    elif inbound.kind == "text":
        _text(turn, default_jurisdiction)
    else:
        turn.say("telegram.unsupported_message")


# --- commands -------------------------------------------------------------------------------------

def _command(turn: _Turn, default_jurisdiction: str) -> None:
    name, args = turn.inbound.command, turn.inbound.args.strip()
    if name == "start":
        _start(turn, args, default_jurisdiction)
    elif name in ("lapor", "report"):
        _ask_category(turn)
    elif name in ("batal", "cancel"):
        if turn.conv.step:
            turn.reset()
            turn.say("telegram.cancelled", extra={"remove_keyboard": True})
        else:
            turn.say("telegram.nothing_to_cancel")
    elif name in ("bahasa", "language"):
        turn.conv.language = "en" if turn.lang == "id" else "id"
        if turn.reporter is not None:
            turn.reporter.language = turn.conv.language
        turn.say("telegram.language_set")
    elif name in ("status", "cek"):
        _status(turn, args)
    elif name == "link":
        _link(turn, args)
    elif name == "help" or name == "bantuan":
        _start(turn, "", default_jurisdiction)
    else:
        turn.say("telegram.unknown_command")


def _start(turn: _Turn, param: str, default_jurisdiction: str) -> None:
    # A deep link t.me/<bot>?start=<jurisdiction code> picks the regency for this chat.
    if param:
        chosen = turn.session.scalar(select(Jurisdiction).where(Jurisdiction.code == param.strip().lower()))
        if chosen is not None:
            turn.conv.jurisdiction_code = chosen.code
    jurisdiction = _jurisdiction(turn, default_jurisdiction)
    turn.say("telegram.start", jurisdiction=jurisdiction.name if jurisdiction else "Sigap")
    if turn.conv.step:
        turn.say("telegram.draft_in_progress")


def _jurisdiction(turn: _Turn, default_jurisdiction: str) -> Jurisdiction | None:
    session = turn.session
    for code in (turn.conv.jurisdiction_code, default_jurisdiction):
        if code:
            found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
            if found is not None:
                return found
    return session.scalar(select(Jurisdiction).order_by(Jurisdiction.id).limit(1))


def _ask_category(turn: _Turn) -> None:
    # From the reference cache (checked against the versions the conversation's read brought), in id order.
    categories = sorted(reference_cache.active_categories(turn.session).values(), key=lambda c: c.id)
    buttons = [[{"text": c.name(turn.lang), "callback_data": f"cat:{c.code}"}] for c in categories]
    buttons.append([{"text": t("telegram.cancel_button", turn.lang), "callback_data": "rep:cancel"}])
    turn.reset("category")
    turn.say("telegram.ask_category", buttons=buttons)


# --- the guided report ----------------------------------------------------------------------------

def _ask_location(turn: _Turn) -> None:
    turn.say("telegram.ask_location",
             extra={"request_location": t("telegram.share_location_button", turn.lang)})


def _text(turn: _Turn, default_jurisdiction: str) -> None:
    step, text = turn.conv.step, (turn.inbound.text or "").strip()
    if step == "category":
        turn.say("telegram.choose_category_first")
    elif step == "location":
        _village_typed(turn, text, default_jurisdiction)
    elif step == "description":
        _description(turn, text)
    elif step == "confirm":
        turn.say("telegram.use_buttons")
    elif _typed_handled_answer(turn, text):
        return
    elif _satisfaction_comment(turn, text):
        return
    elif text.split(" ", 1)[0].lower() in ("status", "cek"):
        # The shared notices say "Cek: STATUS <ticket>" (worded for SMS); typed here it works too.
        _status(turn, text.partition(" ")[2].strip())
    else:
        turn.say("telegram.idle_hint")


YES_WORDS = frozenset({"ya", "iya", "sudah", "yes", "y"})
NO_WORDS = frozenset({"tidak", "tdk", "belum", "no", "n"})


def _typed_handled_answer(turn: _Turn, text: str) -> bool:
    """The handled notice says "Balas YA atau TIDAK": a typed answer counts like the buttons,
    for the reporter's most recently handled complaint."""
    word = text.strip().strip(".!").lower()
    if word not in YES_WORDS | NO_WORDS or turn.reporter is None:
        return False
    complaint = turn.session.scalar(
        select(Complaint).where(Complaint.reporter_id == turn.reporter.id,
                                Complaint.status.in_(("handled", "resolved")))
        .order_by(Complaint.updated_at.desc(), Complaint.id.desc()).limit(1))
    if complaint is None:
        return False
    _handled_answer(turn, f"{'yes' if word in YES_WORDS else 'no'}:{complaint.ticket}")
    return True


def _village_typed(turn: _Turn, text: str, default_jurisdiction: str) -> None:
    jurisdiction = _jurisdiction(turn, default_jurisdiction)
    if jurisdiction is None or not text:
        turn.say("telegram.type_village_again")
        return
    village = places.find_village(turn.session, jurisdiction.id, text)
    if village is not None:
        _village_chosen(turn, village)
        return
    suggestions = places.suggest_villages(turn.session, jurisdiction.id, text, limit=3)
    if not suggestions:
        turn.say("telegram.village_not_found", text=text[:60], jurisdiction=jurisdiction.name)
        return
    buttons = [[{"text": f"{v.name} (Kec. {v.district.name})", "callback_data": f"vil:{v.id}"}]
               for v, _score in suggestions]
    buttons.append([{"text": t("telegram.none_of_these", turn.lang), "callback_data": "loc:retry"}])
    turn.say("telegram.did_you_mean", buttons=buttons, text=text[:60])


def _village_chosen(turn: _Turn, village: Village) -> None:
    turn.update_draft(village_id=village.id, village_code=village.code, village_name=village.name,
                      district_name=village.district.name)
    turn.conv.step = "description"
    turn.send(t("telegram.location_matched", turn.lang, village=village.name, district=village.district.name)
              + "\n\n" + t("telegram.ask_description", turn.lang),
              template="telegram.ask_description", extra={"remove_keyboard": True})


def _location(turn: _Turn, default_jurisdiction: str) -> None:
    if turn.conv.step != "location":
        hints = {None: "telegram.idle_hint", "category": "telegram.choose_category_first",
                 "description": "telegram.ask_description", "confirm": "telegram.use_buttons"}
        turn.say(hints.get(turn.conv.step, "telegram.idle_hint"))
        return
    lat, lon = turn.inbound.lat, turn.inbound.lon
    turn.update_draft(lat=lat, lon=lon)
    jurisdiction = _jurisdiction(turn, default_jurisdiction)
    village = nearest_village(turn.session, jurisdiction.id, lat, lon) if jurisdiction else None
    if village is not None:
        _village_chosen(turn, village)
        # The nearest centre may be the neighbouring village: let the reporter say so.
        turn.say("telegram.not_this_village_hint",
                 buttons=[[{"text": t("telegram.not_this_village", turn.lang), "callback_data": "loc:other"}]])
        return
    # No village centre within reach (none loaded, or the point is far out): keep it, ask for the name too.
    turn.say("telegram.location_saved_ask_village", extra={"remove_keyboard": True},
             buttons=[[{"text": t("telegram.skip", turn.lang), "callback_data": "loc:skip"}]])


def nearest_village(session: Session, jurisdiction_id: int, lat: float, lon: float,
                    within_km: float = NEAREST_VILLAGE_KM) -> Village | None:
    """The village whose known centre is nearest to (lat, lon), if one is within `within_km`."""
    rows = session.execute(
        select(Village, Village.lat, Village.lon).join(District)
        .where(District.jurisdiction_id == jurisdiction_id, Village.lat.is_not(None), Village.lon.is_not(None))
    ).all()
    best, best_km = None, within_km
    for village, vlat, vlon in rows:
        km = _haversine_km(lat, lon, vlat, vlon)
        if km <= best_km:
            best, best_km = village, km
    return best


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _description(turn: _Turn, text: str) -> None:
    if len(text) < MIN_DESCRIPTION:
        turn.say("telegram.description_too_short")
        return
    if len(text) > MAX_DESCRIPTION:
        turn.say("telegram.description_too_long", limit=MAX_DESCRIPTION)
        return
    turn.update_draft(description=text)
    _ask_confirmation(turn)


def _photo(turn: _Turn) -> None:
    photo = turn.inbound.photo or {}
    if turn.conv.step not in ("description", "confirm"):
        turn.say("telegram.photo_not_now" if not turn.conv.step else "telegram.unsupported_message")
        return
    size = photo.get("file_size") or 0
    if size > MAX_PHOTO_BYTES or photo.get("oversize"):
        turn.say("telegram.photo_too_large", limit_mb=MAX_PHOTO_BYTES // (1024 * 1024))
        return
    photos = list((turn.conv.draft or {}).get("photos", []))
    if len(photos) >= MAX_PHOTOS:
        turn.say("telegram.photo_limit", count=len(photos))
    else:
        photos.append({k: photo.get(k) for k in ("file_id", "file_unique_id", "file_size", "width", "height",
                                                 "mime_type")})
        turn.update_draft(photos=photos)
    caption = (turn.inbound.text or "").strip()
    if turn.conv.step == "description":
        if caption:
            _description(turn, caption)
        elif not turn.conv.draft.get("description"):
            turn.say("telegram.photo_saved_ask_text")
        else:
            _ask_confirmation(turn)
    else:
        _ask_confirmation(turn)


def _location_text(turn: _Turn) -> str:
    draft = turn.conv.draft or {}
    if draft.get("village_name"):
        return t("telegram.location_matched", turn.lang, village=draft["village_name"],
                 district=draft["district_name"]).split(": ", 1)[1].rstrip(".")
    if draft.get("lat") is not None:
        return t("telegram.location_coordinates", turn.lang, lat=draft["lat"], lon=draft["lon"])
    return t("telegram.location_unknown", turn.lang)


def _ask_confirmation(turn: _Turn) -> None:
    draft = turn.conv.draft or {}
    category = turn.session.scalar(select(Category).where(Category.code == draft.get("category")))
    turn.conv.step = "confirm"
    summary = t("telegram.summary", turn.lang,
                category=category.name(turn.lang) if category else draft.get("category"),
                location=_location_text(turn), description=draft.get("description", ""),
                photos=len(draft.get("photos", [])))
    # The citizen's confidentiality choice is made here, with what each means beside the buttons.
    choices = t("telegram.privacy_choices", turn.lang, days=notifications.ANONYMOUS_LINK_DAYS)
    turn.send(f"{summary}\n\n{choices}", template="telegram.summary",
              buttons=[[{"text": t("telegram.send_button", turn.lang), "callback_data": "rep:send"},
                        {"text": t("telegram.cancel_button", turn.lang), "callback_data": "rep:cancel"}],
                       [{"text": t("telegram.send_rahasia_button", turn.lang), "callback_data": "rep:send:rahasia"}],
                       [{"text": t("telegram.send_anonim_button", turn.lang), "callback_data": "rep:send:anonim"}]])


def _claim_draft(turn: _Turn) -> dict | None:
    """Take the confirmed draft for filing, or None when there is none (sent already, cancelled, expired).

    One conditional UPDATE that only one transaction can win: on PostgreSQL a concurrent tap waits for
    the winner's row lock, then finds the step no longer 'confirm'; SQLite serialises writers. `handle`
    then commits the claim, this update and the complaint together, so twenty taps file one report."""
    session, conv = turn.session, turn.conv
    claimed = session.execute(
        update(TelegramConversation)
        .where(TelegramConversation.chat_id == conv.chat_id, TelegramConversation.step == "confirm")
        .values(step=None, updated_at=turn.now)
        .returning(TelegramConversation.draft)
        .execution_options(synchronize_session=False)).first()
    if claimed is None:
        session.refresh(conv)  # another tap took it: see the conversation as it is now
        return None
    set_committed_value(conv, "step", None)
    turn.reset()
    return dict(claimed.draft or {})


def _submit(turn: _Turn, draft: dict, default_jurisdiction: str, confidentiality: str | None = None) -> None:
    """File the claimed draft: the complaint, its photos and this chat's receipt are staged here and
    committed together by `handle`, so a failure anywhere leaves none of them. `confidentiality` is
    the button pressed (None: an ordinary report)."""
    jurisdiction = _jurisdiction(turn, default_jurisdiction)
    inbound = turn.inbound
    try:
        complaint = intake.stage(
            turn.session, turn.now, jurisdiction=jurisdiction.code if jurisdiction else "",
            category=draft.get("category") or "", description=draft.get("description") or "",
            village=draft.get("village_code"), lat=draft.get("lat"), lon=draft.get("lon"),
            reporter={"name": inbound.user_name, "telegram_chat_id": inbound.chat_id, "language": turn.lang},
            channel="telegram", external_ref=f"tg:{inbound.update_id}", receipt=False,
            confidentiality=confidentiality,
        )
    except ServiceError as exc:
        turn.session.rollback()
        _rerecord(turn)
        turn.reset()
        turn.say("telegram.submit_failed", reason=exc.message)
        return
    turn._reporter = complaint.reporter
    for photo in draft.get("photos", []):
        turn.session.add(TelegramAttachment(
            complaint_id=complaint.id, file_id=photo["file_id"], file_unique_id=photo.get("file_unique_id"),
            file_size=photo.get("file_size"), mime_type=photo.get("mime_type"), width=photo.get("width"),
            height=photo.get("height"), download_attempts=0, created_at=turn.now,
        ))
    # This chat's receipt instead of the standard one (worded for SMS), under the rules of every
    # message to a citizen (an opted-out citizen's is recorded, not sent).
    receipt = notifications.tell_reporter(
        turn.session, complaint, "telegram.submitted", turn.now,
        deadline=lambda lang: local_time(complaint.handle_due_at, complaint.jurisdiction.timezone, lang))
    if receipt is not None and receipt.status == "pending":
        turn.outcome.replies.append(Reply(chat_id=inbound.chat_id, text=receipt.body))


# --- buttons --------------------------------------------------------------------------------------

def _callback(turn: _Turn, default_jurisdiction: str) -> None:
    data = turn.inbound.callback_data or ""
    kind, _, rest = data.partition(":")
    step = turn.conv.step
    if kind == "cat" and step == "category":
        # From the reference cache (as the menu was), checked against the versions this update's read brought.
        category = reference_cache.active_categories(turn.session).get(rest)
        if category is None:
            turn.answer(t("telegram.expired_button", turn.lang))
            return
        turn.answer(category.name(turn.lang))
        turn.update_draft(category=category.code)
        turn.conv.step = "location"
        _ask_location(turn)
    elif kind == "vil" and step == "location" and _row_id(rest) is not None:
        village = turn.session.get(Village, _row_id(rest))
        jurisdiction = _jurisdiction(turn, default_jurisdiction)
        if village is None or jurisdiction is None or village.district.jurisdiction_id != jurisdiction.id:
            turn.answer(t("telegram.expired_button", turn.lang))
            return
        turn.answer(village.name)
        _village_chosen(turn, village)
    elif kind == "loc" and rest == "other" and step == "description" and (turn.conv.draft or {}).get("lat") is not None:
        # Keep the shared point, forget the village it was matched to, ask for the name.
        turn.answer()
        turn.update_draft(village_id=None, village_code=None, village_name=None, district_name=None)
        turn.conv.step = "location"
        turn.say("telegram.type_village_name")
    elif kind == "loc" and step == "location":
        turn.answer()
        if rest == "skip" and (turn.conv.draft or {}).get("lat") is not None:
            turn.conv.step = "description"
            turn.say("telegram.ask_description")
        else:
            turn.say("telegram.type_village_again")
    elif kind == "rep" and rest == "cancel" and step:
        turn.answer()
        turn.reset()
        turn.say("telegram.cancelled", extra={"remove_keyboard": True})
    elif kind == "rep" and rest in ("send", "send:rahasia", "send:anonim"):
        draft = _claim_draft(turn)
        if draft is None:
            turn.answer(t("telegram.already_sent", turn.lang))
            return
        turn.answer()
        _submit(turn, draft, default_jurisdiction, rest.partition(":")[2] or None)
    elif kind == "confirm":
        _handled_answer(turn, rest)
    elif kind == "skm":
        _satisfaction_answer(turn, rest)
    elif kind == "ack":
        _acknowledge(turn, rest)
    else:
        turn.answer(t("telegram.expired_button", turn.lang))


def _handled_answer(turn: _Turn, rest: str) -> None:
    """The reporter's answer to "Sudah ditangani?": yes is recorded, no reopens and flags the complaint.
    Only for this chat's own complaints: any other gets the expired-button answer, as a made-up one does."""
    answer, _, ref = rest.partition(":")
    reporter = turn.reporter
    actor = Actor(kind="reporter", id=reporter.id, name=reporter.name) if reporter is not None else None
    ticket = _ticket_ref(turn.session, ref, actor) if actor is not None and answer in ("yes", "no") else None
    if ticket is None:
        turn.answer(t("telegram.expired_button", turn.lang))
        return
    session = turn.session
    try:
        if answer == "no":
            complaint = lifecycle.reopen(session, turn.now, ticket, actor, note="Pelapor: belum ditangani")
            key = "telegram.handled_disputed"
        else:
            complaint = lifecycle.load_for(session, ticket, actor)
            if complaint.status not in ("handled", "resolved", "closed"):
                raise ValidationFailed(t(f"telegram.status.{complaint.status}", turn.lang))
            audit.record(session, complaint, "citizen_confirmed", turn.now, actor)
            satisfaction.ask(session, complaint, turn.now, "confirmed")
            key = "telegram.handled_confirmed"
    except NotFound:
        turn.answer(t("telegram.expired_button", turn.lang))
        return
    except ServiceError as exc:
        session.rollback()
        _rerecord(turn)
        turn.answer()
        turn.say("telegram.answer_not_possible", ticket=ticket, reason=exc.message)
        return
    turn.answer()
    turn.say(key, ticket=complaint.ticket, complaint=complaint)


def _satisfaction_answer(turn: _Turn, rest: str) -> None:
    """A press on one of the satisfaction buttons: the first answer counts; a comment may follow as
    the chat's next text. Only for this chat's own complaint, else the expired-button answer."""
    score, _, ref = rest.partition(":")
    reporter = turn.reporter
    complaint = None
    if reporter is not None and score in ("1", "2", "3", "4"):
        complaint = turn.session.scalar(select(Complaint).where(Complaint.ticket == ref.strip(),
                                                                Complaint.reporter_id == reporter.id))
    survey = satisfaction.survey_of(turn.session, complaint.id) if complaint is not None else None
    if survey is None:
        turn.answer(t("telegram.expired_button", turn.lang))
        return
    outcome = satisfaction.record_score(survey, turn.now, int(score), comment_follows=True)
    turn.answer(t(f"survey.score.{score}", turn.lang) if outcome == "recorded" else None)
    turn.say("survey.thanks_comment_welcome" if outcome == "recorded" else "survey.already",
             ticket=complaint.ticket, complaint=complaint)


def _satisfaction_comment(turn: _Turn, text: str) -> bool:
    """Free text right after a satisfaction button is that answer's comment."""
    if turn.reporter is None or not text or text.startswith("/"):
        return False
    survey = satisfaction.waiting_for_comment(turn.session, turn.reporter.id, turn.now)
    if survey is None or not satisfaction.record_comment(survey, text):
        return False
    turn.say("survey.comment_thanks")
    return True


def _rerecord(turn: _Turn) -> None:
    """After a rollback, put this update's own rows back so it stays handled exactly once."""
    inbound, session = turn.inbound, turn.session
    session.add(TelegramUpdate(update_id=inbound.update_id, chat_id=inbound.chat_id, kind=inbound.kind,
                               received_at=turn.now))
    conv = session.get(TelegramConversation, inbound.chat_id)
    if conv is None:
        conv = TelegramConversation(chat_id=inbound.chat_id, language=turn.conv.language,
                                    jurisdiction_code=turn.conv.jurisdiction_code, step=turn.conv.step,
                                    draft=turn.conv.draft or {}, updated_at=turn.now)
        session.add(conv)
    turn.conv = conv
    turn._reporter = _UNREAD  # read again: the rollback took back whatever this turn had


def staff_actor(user: User) -> Actor:
    return accounts.user_actor(user)


def _row_id(text: str) -> int | None:
    """A row id written in callback data, or None (only ASCII digits, and small enough for BIGINT)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _ticket_ref(session: Session, ref: str, actor: Actor) -> str | None:
    """The ticket a button names, or None. Buttons carry the ticket (the lifecycle action then checks the
    actor may see it); "#<id>", from buttons sent by earlier versions, is honoured only for a complaint
    this actor may see, so an id never leads to a ticket or to a different answer."""
    if not ref.startswith("#"):
        return ref.strip() or None
    row_id = _row_id(ref[1:])
    complaint = session.get(Complaint, row_id) if row_id is not None else None
    return complaint.ticket if complaint is not None and lifecycle.can_see(actor, complaint) else None


def _acknowledge(turn: _Turn, ref: str) -> None:
    """A staff member pressed "Acknowledge" under an alert; a complaint they may not see is answered
    like one that does not exist."""
    user = turn.session.scalar(select(User).where(User.telegram_chat_id == turn.inbound.chat_id,
                                                  User.active.is_(True)))
    if user is None:
        turn.answer(t("telegram.ack_not_staff", turn.lang))
        return
    actor = staff_actor(user)
    ticket = _ticket_ref(turn.session, ref, actor)
    if ticket is None:
        turn.answer(t("telegram.expired_button", turn.lang))
        return
    try:
        complaint = lifecycle.acknowledge(turn.session, turn.now, ticket, actor, note="via Telegram")
    except NotFound:
        turn.answer(t("telegram.expired_button", turn.lang))
        return
    except ServiceError as exc:
        turn.session.rollback()
        _rerecord(turn)
        # Already acknowledged: the press still answers the alert (repeats past the top stop).
        alert_replies.record_answer(turn.session, turn.now, ticket, actor, channel="telegram")
        turn.answer()
        turn.say("telegram.ack_refused", ticket=ticket, reason=exc.message, staff=user)
        return
    turn.answer()
    turn.say("telegram.ack_done", ticket=complaint.ticket, name=user.name, staff=user, complaint=complaint)


# --- status ---------------------------------------------------------------------------------------

def _status(turn: _Turn, args: str) -> None:
    reporter, lang = turn.reporter, turn.lang
    session = turn.session
    if args:
        ticket = args.split()[0].strip().upper()
        complaint = None
        if reporter is not None:
            complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket,
                                                               Complaint.reporter_id == reporter.id))
        if complaint is None:
            turn.say("telegram.status_not_found", ticket=ticket[:40])
            return
        zone = complaint.jurisdiction.timezone
        late = complaint.handle_breached or (complaint.handled_at is None and complaint.is_open
                                             and complaint.handle_due_at < turn.now)
        handled = (t("telegram.status_handled_line", lang, at=local_time(complaint.handled_at, zone, lang))
                   if complaint.handled_at else "")
        turn.say("telegram.status_detail", complaint=complaint, ticket=complaint.ticket,
                 category=complaint.category.name(lang), status=_status_name(complaint.status, lang),
                 agency=complaint.agency.name if complaint.agency else t("telegram.agency_pending", lang),
                 received=local_time(complaint.received_at, zone, lang),
                 deadline=local_time(complaint.handle_due_at, zone, lang)
                 + (t("telegram.status_late", lang) if late else ""),
                 handled=handled)
        return
    complaints = [] if reporter is None else list(session.scalars(
        select(Complaint).where(Complaint.reporter_id == reporter.id, Complaint.status.in_(OPEN_STATUSES))
        .order_by(Complaint.received_at.desc()).limit(10)))
    if not complaints:
        turn.say("telegram.status_none")
        return
    lines = [t("telegram.status_list_head", lang)]
    for c in complaints:
        lines.append(t("telegram.status_list_item", lang, ticket=c.ticket, category=c.category.name(lang),
                       status=_status_name(c.status, lang),
                       deadline=local_time(c.handle_due_at, c.jurisdiction.timezone, lang)))
    turn.send("\n".join(lines), template="telegram.status_list_head")


def _status_name(status: str, lang: str) -> str:
    return t(f"telegram.status.{status}", lang)


def local_time(at: datetime | None, zone: str, lang: str = "id") -> str:
    """E.g. "Senin 23 Nov 2026 13:00 WIB": the jurisdiction's wall clock, with its zone's name."""
    return clock_text(at, zone, "long", normalise_language(lang))


# --- staff linking --------------------------------------------------------------------------------

def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def create_link_code(session: Session, now: datetime, username: str, ttl: timedelta = LINK_CODE_TTL) -> str:
    """A one-time code (shown once) that links a staff user's Telegram chat when sent as `/link CODE`."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active:
        raise NotFound(f"no active staff user {username!r}")
    code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(8))
    session.add(TelegramLinkCode(code_hash=_code_hash(code), user_id=user.id, created_at=now,
                                 expires_at=now + ttl))
    session.commit()
    return code


def _link(turn: _Turn, args: str) -> None:
    if not args:
        turn.say("telegram.link_usage")
        return
    session = turn.session
    link = session.scalar(select(TelegramLinkCode).where(TelegramLinkCode.code_hash == _code_hash(args.split()[0])))
    if link is None or link.used_at is not None or link.expires_at <= turn.now:
        turn.say("telegram.link_invalid")
        return
    user = session.get(User, link.user_id)
    if user is None or not user.active:
        turn.say("telegram.link_invalid")
        return
    for other in session.scalars(select(User).where(User.telegram_chat_id == turn.inbound.chat_id,
                                                    User.id != user.id)):
        other.telegram_chat_id = None
    user.telegram_chat_id = turn.inbound.chat_id
    link.used_at, link.used_by_chat_id = turn.now, turn.inbound.chat_id
    # The code was made for this user and came back from this chat: their opt-in to alerts here.
    consent.record(session, turn.now, channel="telegram", address=str(turn.inbound.chat_id), kind="opt_in",
                   reason="verified", user_id=user.id)
    turn.conv.language = normalise_language(user.language)
    turn.say("telegram.link_done", name=user.name, username=user.username, staff=user)
