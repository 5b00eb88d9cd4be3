"""The SMS/WhatsApp text protocol as a use case: one inbound message in, the reply texts out.

Shared by the Twilio webhook, the Kannel webhook and the /demo/citizen page. Idempotent on the message
id; rate limits count the inbound log, so they hold across workers. Twilio takes the replies in its
HTTP answer (TwiML); Kannel's replies leave through the outbox (its sendsms), so its webhook answers
at once and a reply that cannot go now is retried like any other message."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, inspect, select, update
from sqlalchemy.orm import Session

from app.db import is_outage
from app.domain import sms_parser
from app.domain.actor import Actor
from app.domain.local_time import local_time as clock_text
from app.domain.phone import number_key, to_e164
from app.i18n import normalise_language, t
from app.models import Category, Complaint, Jurisdiction, OutboxMessage, Reporter, Village
from app.models.sms import SmsDialogue, SmsInboundMessage, SmsNumber
from app.models.whatsapp import OptRecord
from app.services import audit, intake, lifecycle
from app.services.lifecycle import satisfaction
from app.services.errors import NotFound, ServiceError, ValidationFailed
from app.services.intake import fast_insert, reporters
from app.services.messaging import consent, notifications, outbox, sms_gateways, staff_consent, whatsapp
from app.services.reference import cache as reference_cache
from app.services.reference import places
from app.services.conversations import alert_replies

log = logging.getLogger("sigap.sms")

DIALOGUE_TIMEOUT = timedelta(minutes=30)
MESSAGES_PER_MINUTE = 6
MESSAGES_PER_HOUR = 60
COMPLAINTS_PER_HOUR = 5
MAX_VILLAGE_WORDS = 3


PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
PHOTO_FOR_RECENT = timedelta(hours=24)  # a photo sent alone joins the citizen's report of the last day


@dataclass(frozen=True)
class MediaAccess:
    """How photos are fetched (a callable given by the channel, which alone speaks HTTP) and where
    the evidence store keeps them."""

    fetch: Callable[[str], bytes]
    storage_root: str


@dataclass
class DialogueResult:
    replies: list[str]
    outcome: str
    channel: str
    address: str  # where replies go: "+62..." or "whatsapp:+62..."
    ticket: str | None = None
    duplicate: bool = False
    extra: dict = field(default_factory=dict)


# "3", "3.", "4 petugas cepat datang": the answer to the satisfaction question, a comment after the digit.
SURVEY_ANSWER = re.compile(r"^\s*([1-4])(?:\s*[.):,-]?\s*(?:\s(.*)|$))", re.S)


def channel_of(address: str | None) -> str:
    return "whatsapp" if (address or "").strip().lower().startswith("whatsapp:") else "sms"


def reply_address(channel: str, phone: str) -> str:
    return f"whatsapp:{phone}" if channel == "whatsapp" else phone


# The jurisdiction a number serves, else the first one (None when there is none at all).
_SERVED_BY = func.coalesce(
    select(SmsNumber.jurisdiction_id).where(SmsNumber.number == bindparam("number")).scalar_subquery(),
    select(Jurisdiction.id).order_by(Jurisdiction.id).limit(1).scalar_subquery())
# ... and the reference data's versions: one read.
_NUMBER_JURISDICTION = select(_SERVED_BY, reference_cache.VERSIONS)
# What a message's handling reads first, in one statement (a row even when the phone has neither a
# reporter nor a dialogue): the phone's reporter, its dialogue row, the jurisdiction the number written
# to serves, the reference data's versions, and the phone's counts for the rate limits.
def _message_context():
    # After the rate limits' counts (one row: an aggregate without GROUP BY), as _rate_limited reads them.
    counts = _RATE_LIMIT_COUNTS.subquery("counts")
    return (select(Reporter, SmsDialogue, _SERVED_BY, reference_cache.VERSIONS, *counts.c).select_from(counts)
            .outerjoin(Reporter, Reporter.phone == bindparam("phone"))
            .outerjoin(SmsDialogue, SmsDialogue.phone == bindparam("phone")))


def jurisdiction_for(session: Session, to_address: str | None) -> Jurisdiction:
    """The jurisdiction a number serves (sms_numbers); unmapped numbers serve the first jurisdiction.
    The same read gives the reference cache its versions for this message (reference/cache.py)."""
    number = number_key(to_address) if to_address else None
    jurisdiction_id, versions = session.execute(_NUMBER_JURISDICTION, {"number": number}).one()
    reference_cache.seen(session, versions)
    return _jurisdiction(session, jurisdiction_id)


def _jurisdiction(session: Session, jurisdiction_id: int | None) -> Jurisdiction | None:
    if jurisdiction_id is None:  # no jurisdiction at all
        return None
    cached = reference_cache.jurisdiction_by_id(session, jurisdiction_id)
    # the session's copy of the cached row (no query); the row itself if the cache has not got it yet
    return reference_cache.attach(session, cached) if cached is not None else session.get(Jurisdiction, jurisdiction_id)


def handle_message(session: Session, now: datetime, *, message_sid: str, from_address: str,
                   to_address: str | None, body: str | None, num_media: int = 0,
                   opt_out_type: str | None = None, photo: tuple[str, str] | None = None,
                   media: MediaAccess | None = None,
                   location: tuple[float, float] | None = None, button_payload: str | None = None,
                   gateway: str = sms_gateways.TWILIO) -> DialogueResult:
    """Answer one inbound message. A repeated message_sid returns the first answer and changes nothing.
    WhatsApp adds a photo, a shared location (lat, lon) and quick-reply buttons (whose payload is the
    protocol's word: YA, TIDAK, OK).

    gateway "kannel": the replies are queued in the outbox (through Kannel, from the number written to)
    instead of being returned for an HTTP answer; DialogueResult.replies still says what was answered."""
    if button_payload and button_payload.strip():
        body = button_payload.strip()[:40]
    # PostgreSQL text cannot hold NUL; nothing a citizen means is lost by dropping it.
    message_sid, from_address, to_address, body = (
        (value or "").replace("\x00", "") if value is not None else None
        for value in (message_sid, from_address, to_address, body))
    message_sid = (message_sid or "").strip()[:64]
    channel = channel_of(from_address)
    phone = to_e164(from_address) or (from_address or "").strip()[:40] or "unknown"
    address = reply_address(channel, phone)
    inbound = SmsInboundMessage(message_sid=message_sid, channel=channel, phone=phone,
                                to_number=(to_address or "")[:40] or None, body=(body or "")[:sms_parser.MAX_BODY_CHARS],
                                received_at=now, outcome="pending", replies=[])
    # Claimed by inserting it (one statement): a message delivered before is kept as it was, and a
    # concurrent delivery of the same message waits here for the other one, then finds it.
    if fast_insert.insert_one(session, inbound, unless_conflict=True) is None:
        existing = session.scalar(select(SmsInboundMessage).where(SmsInboundMessage.message_sid == message_sid))
        if existing is None:
            raise RuntimeError(f"sms message {message_sid} conflicted with a row that is not there")
        return _replay(session, existing, address)

    route = None
    if gateway == sms_gateways.KANNEL:
        route = sms_gateways.kannel_route(number_key(to_address) or (to_address or "").strip()[:20])
    if to_e164(from_address) is None:
        # Not a phone number we could answer or file a reporter under (short code, alphanumeric sender).
        return _finish(session, inbound, "dropped", [], address)

    if channel == "whatsapp":
        whatsapp.record_inbound(session, phone, now)  # WhatsApp's 24-hour window opens, whatever we answer
    reporter, dialogue, served_by, versions, *counts = session.execute(_MESSAGE_CONTEXT, {
        "phone": phone, "number": number_key(to_address) if to_address else None,
        **_rate_limit_params(now, inbound.id)}).one()
    reference_cache.seen(session, versions)  # the reference cache's check, in this same read
    limited, complaints_last_hour = _limited_by(counts)
    if reporter is not None and reporter.unreachable and not reporter.opted_out:
        reporter.unreachable = False  # they just wrote from this number (and reopened WhatsApp's 24-hour window)
    language = normalise_language(reporter.language if reporter else None)
    if limited is not None:
        notice = [t("sms.rate_limited", language)] if limited == "notice" else []
        return _finish(session, inbound, "rate_limited" if notice else "dropped", notice, address,
                       route=route, language=language)

    parsed = sms_parser.parse(body)
    if parsed.language:
        language = parsed.language
    conversation = _Conversation(session, now, inbound, phone, channel, address, to_address, reporter, language,
                                 route)
    conversation.photo, conversation.location, conversation.media = photo, location, media
    conversation.seen_dialogue(dialogue)
    conversation.served_by = served_by
    conversation.complaints_last_hour = complaints_last_hour
    try:
        return conversation.answer(parsed, num_media, (opt_out_type or "").strip().upper())
    except Exception as exc:  # noqa: BLE001 - a citizen gets an apology, never a 500 that Twilio would retry
        if is_outage(exc):  # the database went away: 503, the message is not logged and can come again
            session.rollback()
            raise
        # Nothing half-done stays: the message is logged with an apology and can be sent again.
        if isinstance(exc, ServiceError):
            log.warning("sms message %s not processed: %s", message_sid, exc.message)
        else:
            log.exception("sms message %s failed", message_sid)
        session.rollback()
        inbound = SmsInboundMessage(message_sid=message_sid, channel=channel, phone=phone,
                                    to_number=(to_address or "")[:40] or None,
                                    body=(body or "")[:sms_parser.MAX_BODY_CHARS], received_at=now,
                                    outcome="failed", replies=[])
        session.add(inbound)
        return _finish(session, inbound, "failed", [t("sms.submit_failed", language)], address,
                       route=route, language=language)


def _replay(session: Session, inbound: SmsInboundMessage, address: str) -> DialogueResult:
    # The first delivery's answer was committed with everything it did (a complaint included).
    ticket = None
    replies = list(inbound.replies or [])
    if inbound.complaint_id:
        ticket = session.scalar(select(Complaint.ticket).where(Complaint.id == inbound.complaint_id))
    result = DialogueResult(replies=replies, outcome=inbound.outcome, channel=inbound.channel,
                            address=address, ticket=ticket, duplicate=True)
    session.rollback()
    return result


def _finish(session: Session, inbound: SmsInboundMessage, outcome: str, replies: list[str], address: str,
            complaint: Complaint | None = None, *, route: dict | None = None, language: str = "id",
            queued: tuple[str, ...] = ()) -> DialogueResult:
    inbound.outcome = outcome
    inbound.replies = replies
    if complaint is not None:
        inbound.complaint_id = complaint.id
    if route:  # a gateway without replies in its HTTP answer: they go out through the outbox, committed here
        for text in replies:
            if text in queued:
                continue
            outbox.enqueue(session, inbound.received_at, channel=inbound.channel, recipient=address,
                           recipient_kind=outbox.REPORTER, template="sms.reply", language=language, body=text,
                           complaint=complaint, reporter_id=inbound.reporter_id, extra=route)
    # The reply's records and consent, and the message's outcome, in one statement (PostgreSQL), not
    # one each at the commit.
    fast_insert.insert_pending(session, OptRecord, OutboxMessage,
                               updating=inbound if inspect(inbound).persistent else None)
    session.commit()
    return DialogueResult(replies=replies, outcome=outcome, channel=inbound.channel, address=address,
                          ticket=complaint.ticket if complaint is not None else None)


def _count(session: Session, phone: str, since: datetime, exclude_id: int, outcomes=None) -> int:
    stmt = select(func.count()).select_from(SmsInboundMessage).where(
        SmsInboundMessage.phone == phone, SmsInboundMessage.received_at > since, SmsInboundMessage.id != exclude_id)
    if outcomes:
        stmt = stmt.where(SmsInboundMessage.outcome.in_(outcomes))
    return session.scalar(stmt) or 0


def _rate_limit_counts():
    """The rate limits' one statement, built once (its values are bound at each call): the phone's other
    messages of the last hour, counted per window, and its complaints of the hour."""
    m = SmsInboundMessage
    columns = []
    for since in (bindparam("since_0", type_=m.received_at.type), bindparam("since_1", type_=m.received_at.type)):
        recent = m.received_at > since
        # answered: anything but rate_limited/dropped (a NULL outcome counts as answered, as before)
        columns.append(func.coalesce(func.sum(case((and_(recent, m.outcome.in_(("rate_limited", "dropped"))), 0),
                                                   (recent, 1), else_=0)), 0))
        columns.append(func.coalesce(func.sum(case((and_(recent, m.outcome == "rate_limited"), 1), else_=0)), 0))
    columns.append(func.coalesce(func.sum(case((m.outcome == "complaint", 1), else_=0)), 0))  # the hour's
    return select(*columns).where(m.phone == bindparam("phone"), m.received_at > bindparam("since_1"),
                                  m.id != bindparam("inbound_id"))


_RATE_LIMIT_COUNTS = _rate_limit_counts()
_MESSAGE_CONTEXT = _message_context()


def _windows(now: datetime) -> tuple[tuple[datetime, int], ...]:
    return (now - timedelta(minutes=1), MESSAGES_PER_MINUTE), (now - timedelta(hours=1), MESSAGES_PER_HOUR)


def _rate_limit_params(now: datetime, inbound_id: int) -> dict:
    windows = _windows(now)
    return {"since_0": windows[0][0], "since_1": windows[1][0], "inbound_id": inbound_id}


def _rate_limited(session: Session, now: datetime, phone: str, inbound_id: int) -> tuple[str | None, int]:
    """None when the message may be answered; "notice" for the first one past a limit; "drop" after that;
    with the phone's complaints of the last hour (COMPLAINTS_PER_HOUR, asked when a report is filed).
    One statement: the phone's other messages of the last hour, counted per window."""
    counts = session.execute(_RATE_LIMIT_COUNTS, {**_rate_limit_params(now, inbound_id), "phone": phone}).one()
    return _limited_by(counts)


def _limited_by(counts) -> tuple[str | None, int]:
    """`_rate_limited`'s answer from the counts `_RATE_LIMIT_COUNTS` gives (in its column order)."""
    for position, limit in enumerate((MESSAGES_PER_MINUTE, MESSAGES_PER_HOUR)):  # _windows' order
        answered, notified = counts[2 * position], counts[2 * position + 1]
        if answered >= limit:
            return ("drop" if notified else "notice"), counts[-1]
    return None, counts[-1]


def local_time(at: datetime, zone: str, now: datetime) -> str:
    """'13:00 WIB' today, '24/11 13:00 WIB' on another day, in the jurisdiction's zone."""
    return clock_text(at, zone, "sms", now=now)


def receipt_text(session: Session, complaint: Complaint, language: str, now: datetime, channel: str = "sms") -> str:
    """The ticket reply: ticket, where it went, the handling deadline in local time, the web
    tracking code, what a confidentiality choice means and the status page's link."""
    if complaint.agency is not None:
        routing = t("sms.routed", language, agency=complaint.agency.name[:60])
    else:
        routing = t("sms.triaged", language)
    due = local_time(complaint.handle_due_at, complaint.jurisdiction.timezone, now)
    text = t("sms.received", language, ticket=complaint.ticket, routing=routing, due=due,
             code=complaint.status_code or "-")
    return notifications.with_receipt_notes(session, complaint, text, language, channel)


def map_number(session: Session, number: str, jurisdiction_code: str, note: str | None = None,
               gateway: str | None = None) -> SmsNumber:
    """Make the number `number` (a message's `To`: E.164 or a short code) serve `jurisdiction_code`
    through `gateway` (twilio | kannel; None keeps a mapped number's gateway, new ones get Twilio); commits."""
    e164 = number_key(number)
    if e164 is None:
        raise ValidationFailed(f"{number!r} is not a valid phone number or short code", field="number")
    if gateway is not None and gateway not in sms_gateways.GATEWAYS:
        raise ValidationFailed(f"gateway must be one of {', '.join(sms_gateways.GATEWAYS)}, got {gateway!r}",
                               field="gateway")
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == (jurisdiction_code or "").strip().lower()))
    if jurisdiction is None:
        raise NotFound(f"no jurisdiction {jurisdiction_code!r}")
    mapping = session.scalar(select(SmsNumber).where(SmsNumber.number == e164))
    if mapping is None:
        mapping = SmsNumber(number=e164, jurisdiction_id=jurisdiction.id, note=note,
                            gateway=gateway or sms_gateways.TWILIO)
        session.add(mapping)
    else:
        mapping.jurisdiction_id, mapping.note = jurisdiction.id, note or mapping.note
        mapping.gateway = gateway or mapping.gateway
    session.commit()
    return mapping


_UNREAD = object()


class _Conversation:
    """One message's handling: reads and writes the dialogue row, calls intake/lifecycle, builds replies."""

    photo: tuple[str, str] | None = None  # (MediaUrl0, MediaContentType0)
    location: tuple[float, float] | None = None
    media: MediaAccess | None = None
    complaints_last_hour: int | None = None  # counted with the rate limits (None: not counted yet)
    served_by: int | None | object = _UNREAD  # the jurisdiction the number written to serves, once read

    def __init__(self, session, now, inbound, phone, channel, address, to_address, reporter, language, route=None):
        self.session, self.now, self.inbound = session, now, inbound
        self.phone, self.channel, self.address, self.to_address = phone, channel, address, to_address
        self.reporter: Reporter | None = reporter
        self.language = language
        self.route = route  # set: replies go through the outbox by this gateway (Kannel), not in the HTTP answer
        self.queued: list[str] = []  # replies already in the outbox
        # The phone's dialogue row as this transaction last saw it (None: none), so that asking again
        # costs no query when there is none; _UNREAD until first asked.
        self._dialogue = _UNREAD

    # -- helpers ---------------------------------------------------------------------------------
    def t(self, key: str, **params) -> str:
        return t(key, self.language, **params)

    def done(self, outcome: str, replies: list[str], complaint: Complaint | None = None) -> DialogueResult:
        if self.reporter is not None and self.reporter.language != self.language:
            self.reporter.language = self.language
        return _finish(self.session, self.inbound, outcome, replies, self.address, complaint, route=self.route,
                       language=self.language, queued=tuple(self.queued))

    def ensure_reporter(self, bind: bool = True) -> Reporter:
        """The reporter of this phone, created if new; bind: the message is theirs from now on (bind=False
        leaves that to the caller, so that the message's row is written once, at the end)."""
        if self.reporter is None:
            self.reporter = reporters.find_or_create(  # the number they write from: theirs, whatever kind
                self.session, self.now, phone=self.phone, language=self.language, binding=reporters.CHANNEL)
        if bind:
            self.inbound.reporter_id = self.reporter.id
        return self.reporter

    def seen_dialogue(self, dialogue: SmsDialogue | None) -> None:
        """The phone's dialogue row as read with its reporter (None: it has none)."""
        self._dialogue = dialogue

    def _stored_dialogue(self) -> SmsDialogue | None:
        if self._dialogue is _UNREAD:
            self._dialogue = self.session.get(SmsDialogue, self.phone)
        return self._dialogue

    def dialogue(self) -> SmsDialogue | None:
        found = self._stored_dialogue()
        if found is not None and found.expires_at <= self.now:
            self.session.delete(found)
            self.session.flush()
            self._dialogue = None
            return None
        return found

    def end_dialogue(self) -> None:
        found = self._stored_dialogue()
        if found is not None:
            self.session.delete(found)
            self.session.flush()
            self._dialogue = None

    def save_dialogue(self, step: str, draft: dict, jurisdiction_id: int) -> None:
        found = self._stored_dialogue()
        if found is None:
            found = SmsDialogue(phone=self.phone, channel=self.channel, jurisdiction_id=jurisdiction_id,
                                step=step, draft=draft, language=self.language, updated_at=self.now,
                                expires_at=self.now + DIALOGUE_TIMEOUT)
            self.session.add(found)
            self._dialogue = found
        else:
            found.step, found.draft, found.channel = step, dict(draft), self.channel
            found.jurisdiction_id, found.language = jurisdiction_id, self.language
            found.updated_at, found.expires_at = self.now, self.now + DIALOGUE_TIMEOUT
        self.session.flush()

    # -- dispatch ----------------------------------------------------------------------------------
    def answer(self, parsed: sms_parser.ParsedMessage, num_media: int, opt_out_type: str) -> DialogueResult:
        if opt_out_type == "STOP" or parsed.kind == "stop":
            return self.opt_out(twilio_confirms=opt_out_type == "STOP")
        if opt_out_type == "START" or parsed.kind == "start":
            if self.reporter is not None and self.reporter.opted_out or parsed.kind == "start":
                return self.opt_in(twilio_confirms=opt_out_type == "START")
        if self.reporter is not None and self.reporter.opted_out:
            return self.done("opted_out", [])  # they said STOP: no messages until START
        if opt_out_type == "HELP" or parsed.kind == "help":
            return self.done("reply", [self.t("sms.help")])
        verified = staff_consent.answer(self.session, self.now, self.channel, self.phone, self.inbound.body or "")
        if verified is not None:  # a staff member sends back the code Sigap sent to this number
            return self.done("reply", [self.t("sms.staff_verified" if verified else "sms.staff_wrong_code")])

        dialogue = self.dialogue()
        if dialogue is not None and not parsed.language:
            self.language = dialogue.language
        # Staff and contacts answering an alert (`1`, `OK <ticket>`) come before the citizen dialogue.
        staff = alert_replies.answer(self.session, self.now, channel=self.channel, phone=self.phone,
                                     text=self.inbound.body, in_dialogue=dialogue is not None)
        if staff is not None:
            return _finish(self.session, self.inbound, staff.outcome, [staff.text], self.address, staff.complaint,
                           route=self.route, language=self.language)
        if parsed.kind == "cancel":
            if dialogue is None:
                return self.done("reply", [self.t("sms.nothing_to_cancel")])
            self.end_dialogue()
            return self.done("reply", [self.t("sms.cancelled")])
        if self.location is not None:
            return self.shared_location(dialogue)
        if parsed.kind == "report":
            return self.report(parsed)
        if self.photo is not None and parsed.kind == "empty":
            return self.photo_alone(dialogue)
        if dialogue is not None:
            # While describing, every word is the description ("tidak ada makanan" is not an answer).
            if dialogue.step == "description" and parsed.kind not in ("empty", "stop", "start"):
                return self.continue_dialogue(dialogue, parsed)
            if dialogue.step != "description" and parsed.kind in ("number", "text"):
                return self.continue_dialogue(dialogue, parsed)
        if dialogue is None and (answered := self.satisfaction(parsed)) is not None:
            return answered
        if parsed.kind == "status":
            return self.status(parsed.ticket)
        if parsed.kind in ("yes", "no"):
            return self.confirm(parsed.kind == "yes", parsed.ticket)
        if parsed.kind == "empty":
            return self.done("reply", [self.t("sms.media_only" if num_media else "sms.help")])
        if parsed.kind == "unreadable":
            return self.done("reply", [self.t("sms.unreadable")])
        return self.done("reply", [self.t("sms.unknown")])

    # -- opt-out -----------------------------------------------------------------------------------
    def opt_out(self, twilio_confirms: bool) -> DialogueResult:
        reporter = self.ensure_reporter()
        if not reporter.opted_out:
            reporter.opted_out, reporter.opted_out_at = True, self.now
        consent.record(self.session, self.now, channel=self.channel, address=self.phone, kind="opt_out",
                       reason="stop", reporter_id=reporter.id)
        self.end_dialogue()
        # On SMS, Twilio confirms a STOP itself and blocks any reply of ours.
        return self.done("opt_out", [] if twilio_confirms else [self.t("sms.opted_out")])

    def opt_in(self, twilio_confirms: bool) -> DialogueResult:
        reporter = self.ensure_reporter()
        reporter.opted_out, reporter.opted_out_at, reporter.unreachable = False, None, False
        consent.record(self.session, self.now, channel=self.channel, address=self.phone, kind="opt_in",
                       reason="start", reporter_id=reporter.id)
        return self.done("opt_in", [] if twilio_confirms else [self.t("sms.opted_in")])

    # -- reporting -----------------------------------------------------------------------------------
    def jurisdiction(self, dialogue: SmsDialogue | None = None) -> Jurisdiction:
        if dialogue is not None:
            return self.session.get(Jurisdiction, dialogue.jurisdiction_id)
        if self.served_by is not _UNREAD:  # read with the message's reporter
            return _jurisdiction(self.session, self.served_by)
        return jurisdiction_for(self.session, self.to_address)

    def report(self, parsed: sms_parser.ParsedMessage) -> DialogueResult:
        self.end_dialogue()
        draft = {"category": parsed.category, "village_text": parsed.village, "description": parsed.description,
                 "rest": parsed.rest, "confidentiality": parsed.confidentiality}
        return self.advance(self.jurisdiction(), {k: v for k, v in draft.items() if v})

    def continue_dialogue(self, dialogue: SmsDialogue, parsed: sms_parser.ParsedMessage) -> DialogueResult:
        draft = dict(dialogue.draft or {})
        jurisdiction = self.jurisdiction(dialogue)
        if dialogue.step == "category":
            category = None
            if parsed.kind == "number" and 1 <= parsed.number <= len(sms_parser.MENU):
                category = sms_parser.MENU[parsed.number - 1]
            elif parsed.text:
                first = parsed.text.split()[0]
                matched = sms_parser.match_category(first, self.keywords())
                category = matched[0] if matched else None
            if category is None:
                return self.done("dialogue", [self.t("sms.menu")])
            draft["category"] = category
        elif dialogue.step == "village":
            suggestions = draft.pop("suggestions", [])
            if parsed.kind == "number" and 1 <= parsed.number <= len(suggestions):
                draft["village_id"] = suggestions[parsed.number - 1]
            else:
                draft["village_text"] = parsed.text
        elif dialogue.step == "description":
            draft["description"] = parsed.text
        return self.advance(jurisdiction, draft)

    def keywords(self) -> dict[str, tuple[str, str]]:
        """The parser's keywords plus any a category lists in the database (read as Indonesian)."""
        merged = dict(sms_parser.CATEGORY_KEYWORDS)
        for code, words in self.session.execute(select(Category.code, Category.keywords).where(Category.active.is_(True))):
            for word in words or []:
                merged.setdefault(str(word).upper(), (code, "id"))
        return merged

    def find_village(self, jurisdiction: Jurisdiction, text: str) -> Village | None:
        return places.find_village(self.session, jurisdiction.id, text)

    def advance(self, jurisdiction: Jurisdiction, draft: dict) -> DialogueResult:
        """Ask for the first missing piece (category, village, description); submit once all are there."""
        if self.photo is not None:
            draft.setdefault("photo", list(self.photo))  # fetched when the report is filed
        if not draft.get("village_id") and draft.get("rest"):
            words = draft.pop("rest").split()
            for size in range(min(MAX_VILLAGE_WORDS, len(words)), 0, -1):
                village = self.find_village(jurisdiction, " ".join(words[:size]))
                if village is not None:
                    draft["village_id"] = village.id
                    if words[size:]:
                        draft.setdefault("description", " ".join(words[size:]))
                    break
            else:
                draft.setdefault("description", " ".join(words))
        if not draft.get("category"):
            self.save_dialogue("category", draft, jurisdiction.id)
            return self.done("dialogue", [self.t("sms.menu")])
        if not draft.get("village_id"):
            text = (draft.pop("village_text", None) or "").strip()
            if not text:
                self.save_dialogue("village", draft, jurisdiction.id)
                return self.done("dialogue", [self.t("sms.ask_village")])
            village = self.find_village(jurisdiction, text)
            if village is None:
                shown = text[:30]
                suggestions = places.suggest_villages(self.session, jurisdiction.id, text[:100], limit=3)
                if suggestions:
                    draft["suggestions"] = [v.id for v, _score in suggestions]
                    options = ", ".join(f"{i} {v.name.title()}" for i, (v, _s) in enumerate(suggestions, 1))
                    reply = self.t("sms.did_you_mean", text=shown, options=options)
                else:
                    reply = self.t("sms.village_not_found", text=shown, jurisdiction=jurisdiction.name)
                self.save_dialogue("village", draft, jurisdiction.id)
                return self.done("dialogue", [reply])
            draft["village_id"] = village.id
        if not (draft.get("description") or "").strip():
            self.save_dialogue("description", draft, jurisdiction.id)
            return self.done("dialogue", [self.t("sms.ask_description")])
        return self.submit(jurisdiction, draft)

    def submit(self, jurisdiction: Jurisdiction, draft: dict) -> DialogueResult:
        complaints = self.complaints_last_hour
        if complaints is None:
            complaints = _count(self.session, self.phone, self.now - timedelta(hours=1), self.inbound.id,
                                outcomes=("complaint",))
        if complaints >= COMPLAINTS_PER_HOUR:
            self.end_dialogue()
            already = _count(self.session, self.phone, self.now - timedelta(hours=1), self.inbound.id,
                             outcomes=("complaint_limited",))
            return self.done("complaint_limited" if not already else "dropped",
                             [] if already else [self.t("sms.complaint_limit")])
        village = self.session.get(Village, draft["village_id"])
        district = reference_cache.places(self.session, jurisdiction.id).district_by_id.get(village.district_id) \
            or village.district  # the cached row (no query), else the village's own
        # A new phone's reporter is made by intake (on PostgreSQL in the ticket numbers' statement: one
        # round trip fewer), and the message bound to it below, with the message's outcome.
        reporter = self.reporter
        self.end_dialogue()
        description = draft["description"].strip()[:intake.MAX_DESCRIPTION]
        # Staged without the standard receipt: the TwiML reply is the receipt, and the complaint,
        # the reply's record and this message's outcome are committed together (self.done).
        complaint = intake.stage(
            self.session, self.now, jurisdiction=jurisdiction.code, category=draft["category"],
            description=description, district=district.code, village=village.code,
            lat=draft.get("lat"), lon=draft.get("lon"),
            reporter={"phone": self.phone, "language": self.language}, channel=self.channel,
            external_ref=(self.inbound.message_sid if self.route else f"twilio:{self.inbound.message_sid}")[:100],
            # id None: the complaint's reporter, once intake has made it
            actor=Actor(kind="reporter", id=reporter.id if reporter is not None else None,
                        jurisdiction_id=jurisdiction.id), receipt=False,
            confidentiality=draft.get("confidentiality"),
        )
        self.reporter = reporter = complaint.reporter
        self.inbound.reporter_id = reporter.id
        # They wrote first: opted in for this complaint's updates on this channel.
        consent.record(self.session, self.now, channel=self.channel, address=self.phone, kind="opt_in",
                       reason="wrote_first", reporter_id=reporter.id, complaint_id=complaint.id)
        text = receipt_text(self.session, complaint, self.language, self.now, self.channel)
        photo_note = None
        photo = self.photo or draft.get("photo")
        if photo:
            photo_note = self.keep_photo(complaint, tuple(photo))
        self.replied(complaint, "sms.received", text)
        return self.done("complaint", [text] + ([photo_note] if photo_note else []), complaint)

    # -- WhatsApp: photos and shared locations ----------------------------------------------------------
    def keep_photo(self, complaint: Complaint, photo: tuple[str, str]) -> str | None:
        """Fetch the photo into the complaint's files (type and size checked); a reply when it was refused."""
        from app.services.lifecycle import complaint_files

        url, content_type = photo
        if content_type not in PHOTO_TYPES or self.media is None:
            return self.t("sms.photo_refused", ticket=complaint.ticket)
        actor = Actor(kind="reporter", id=complaint.reporter_id, jurisdiction_id=complaint.jurisdiction_id)
        try:
            with self.session.begin_nested():
                complaint_files.store(self.session, self.now, complaint, self.media.fetch(url), actor,
                                      self.media.storage_root, purpose="report")
        except ServiceError as exc:
            log.info("whatsapp photo for %s not kept: %s", complaint.ticket, exc.message)
            return self.t("sms.photo_refused", ticket=complaint.ticket)
        audit.record(self.session, complaint, "reporter_photo", self.now, actor, data={"channel": self.channel})
        return None

    def photo_alone(self, dialogue: SmsDialogue | None) -> DialogueResult:
        """A photo without words: kept for the report being written, else for the citizen's report of the last day."""
        if dialogue is not None:
            draft = dict(dialogue.draft or {})
            draft["photo"] = list(self.photo)
            self.save_dialogue(dialogue.step, draft, dialogue.jurisdiction_id)
            return self.done("dialogue", [self.t("sms.photo_kept")])
        complaint = self.own_complaint(None)
        if complaint is None or complaint.received_at < self.now - PHOTO_FOR_RECENT:
            return self.done("reply", [self.t("sms.media_only")])
        refused = self.keep_photo(complaint, self.photo)
        return self.done("reply", [refused or self.t("sms.photo_added", ticket=complaint.ticket)], complaint)

    def shared_location(self, dialogue: SmsDialogue | None) -> DialogueResult:
        """A shared location: the nearest village of this jurisdiction, as Telegram matches it; a point
        outside the jurisdiction is refused with the way to name the village instead."""
        from app.services.conversations.telegram_dialogue import nearest_village

        jurisdiction = self.jurisdiction(dialogue)
        lat, lon = self.location
        village = nearest_village(self.session, jurisdiction.id, lat, lon)
        if village is None:
            return self.done("reply", [self.t("sms.location_outside", jurisdiction=jurisdiction.name)])
        draft = dict(dialogue.draft or {}) if dialogue is not None else {}
        draft.pop("suggestions", None)
        draft.update(village_id=village.id, lat=lat, lon=lon)
        reply = self.advance(jurisdiction, draft)
        reply.replies.insert(0, self.t("sms.location_matched", village=village.name.title(),
                                       district=village.district.name.title()))
        self.inbound.replies = list(reply.replies)
        self.session.commit()
        return reply

    def replied(self, complaint: Complaint, key: str, text: str) -> None:
        """Keep the TwiML reply in the outbox as sent, so the citizen's messages show it and nothing sends it again
        (through Kannel: queue it, the outbox sends it)."""
        message = outbox.enqueue(
            self.session, self.now, channel=self.channel, recipient=self.address, recipient_kind=outbox.REPORTER,
            template=key, language=self.language, body=text, complaint=complaint, reporter_id=complaint.reporter_id,
            status="pending" if self.route else "sent", extra=self.route)
        if self.route:
            self.queued.append(text)
            return
        message.sent_at, message.provider_id = self.now, f"twiml:{self.inbound.message_sid}"[:64]

    def instead_of_outbox(self, complaint: Complaint, templates: tuple[str, ...], key: str, text: str) -> list[str]:
        """The TwiML reply replaces the message notifications just queued for the citizen (one text, not two).

        Returns the replies to give: none when the delivery job has already taken the queued message."""
        queued = (OutboxMessage.complaint_id == complaint.id, OutboxMessage.recipient_kind == "reporter",
                  OutboxMessage.template.in_(templates), OutboxMessage.created_at == self.now)
        if self.session.scalar(select(func.count()).select_from(OutboxMessage).where(*queued)) == 0:
            return [text]
        if self.route:  # through Kannel the queued message itself carries the reply's text
            taken = self.session.execute(
                update(OutboxMessage).where(*queued, OutboxMessage.status == "pending")
                .values(body=text, template=key, language=self.language)
                .execution_options(synchronize_session=False))
            if taken.rowcount:
                self.queued.append(text)
                return [text]
            return []
        taken = self.session.execute(
            update(OutboxMessage).where(*queued, OutboxMessage.status == "pending")
            .values(status="sent", sent_at=self.now, next_attempt_at=None, body=text, template=key,
                    language=self.language, provider_id=f"twiml:{self.inbound.message_sid}"[:64])
            .execution_options(synchronize_session=False))
        return [text] if taken.rowcount else []

    # -- status and confirmation ---------------------------------------------------------------------
    def own_complaint(self, ticket: str | None, statuses: tuple[str, ...] | None = None) -> Complaint | None:
        if self.reporter is None:
            return None
        stmt = select(Complaint).where(Complaint.reporter_id == self.reporter.id)
        if ticket:
            stmt = stmt.where(Complaint.ticket == ticket)
        if statuses:
            stmt = stmt.where(Complaint.status.in_(statuses))
        return self.session.scalar(stmt.order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(1))

    def status(self, ticket: str | None) -> DialogueResult:
        complaint = self.own_complaint(ticket)
        if complaint is None:
            key = "sms.status_not_found" if ticket else "sms.status_none"
            return self.done("reply", [self.t(key, ticket=ticket or "")])
        zone = complaint.jurisdiction.timezone
        agency = complaint.agency.name[:60] if complaint.agency else "-"
        when = local_time(complaint.handled_at, zone, self.now) if complaint.handled_at else ""
        status = self.t(f"sms.status_name.{complaint.status}", agency=agency, when=when).strip()
        place = complaint.village.name.title() if complaint.village else (complaint.district.name.title()
                                                                          if complaint.district else "-")
        reply = self.t("sms.status", ticket=complaint.ticket, category=complaint.category.name(self.language)[:40],
                       place=place[:40], status=status, received=local_time(complaint.received_at, zone, self.now))
        return self.done("reply", [reply])

    def satisfaction(self, parsed: sms_parser.ParsedMessage) -> DialogueResult | None:
        """A digit 1-4 (and perhaps a comment after it) answering this number's open satisfaction
        question; None when the message is something else or nothing was asked."""
        match = SURVEY_ANSWER.match(parsed.text or "") if parsed.kind in ("number", "text") else None
        if match is None or self.reporter is None:
            return None
        survey = satisfaction.waiting_for_score(self.session, self.reporter.id, self.now)
        if survey is None:
            return None
        complaint = self.session.get(Complaint, survey.complaint_id)
        satisfaction.record_score(survey, self.now, int(match.group(1)), match.group(2))
        return self.done("reply", [self.t("survey.thanks", ticket=complaint.ticket)], complaint)

    def confirm(self, handled: bool, ticket: str | None) -> DialogueResult:
        complaint = self.own_complaint(ticket, statuses=("handled",))
        if complaint is None:
            return self.done("reply", [self.t("sms.nothing_to_confirm")])
        actor = Actor(kind="reporter", id=self.reporter.id, jurisdiction_id=complaint.jurisdiction_id)
        if handled:
            audit.record(self.session, complaint, "reporter_confirmed", self.now, actor,
                         data={"channel": self.channel, "answer": "yes"})
            satisfaction.ask(self.session, complaint, self.now, "confirmed")
            return self.done("reply", [self.t("sms.confirm_thanks", ticket=complaint.ticket)], complaint)
        note = "Pelapor menjawab TIDAK: belum ditangani" if self.language == "id" else "Reporter answered NO: not handled"
        complaint = lifecycle.reopen(self.session, self.now, complaint.ticket, actor, note=note)
        text = self.t("sms.reopened", ticket=complaint.ticket)
        return self.done("reply", self.instead_of_outbox(complaint, ("core.reopened",), "sms.reopened", text),
                         complaint)


# Twilio delivery statuses, ranked: a callback never moves a message backwards.
STATUS_RANK = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4,
               "undelivered": 4, "failed": 4, "read": 5, "canceled": 4}
# Error codes that say the number will never receive: stop trying it.
UNREACHABLE_CODES = {"21211", "21614", "30005", "30006"}
OPTED_OUT_CODES = {"21610"}


def record_delivery_status(session: Session, now: datetime, *, provider_id: str | None = None, status: str,
                           error_code: str | None = None, message_id: int | None = None) -> OutboxMessage | None:
    """Record a Twilio status callback (by provider_id) or a Kannel delivery report (by our message_id, known
    before the send settles) on the outbox message it belongs to (forward-only); None if unknown."""
    if message_id is not None:
        message = session.get(OutboxMessage, message_id)
        if message is not None and (message.extra or {}).get("gateway") != sms_gateways.KANNEL:
            message = None
    else:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_id == (provider_id or "")[:64]))
    if message is None or status not in STATUS_RANK:
        session.rollback()
        return None
    if STATUS_RANK[status] > STATUS_RANK.get(message.delivery_status or "", -1):
        message.delivery_status = status
        if status in ("undelivered", "failed"):
            gateway = (message.extra or {}).get("gateway") or sms_gateways.TWILIO
            message.last_error = f"{gateway} {status}" + (f" (error {error_code})" if error_code else "")
            code = str(error_code or "").strip()
            reporter = session.get(Reporter, message.reporter_id) if message.reporter_id else None
            if reporter is not None and code in OPTED_OUT_CODES and not reporter.opted_out:
                reporter.opted_out, reporter.opted_out_at = True, now
                consent.record(session, now, channel=message.channel, address=whatsapp.phone_of(message.recipient),
                               kind="opt_out", reason="carrier_stop", reporter_id=reporter.id)
            if reporter is not None and code in UNREACHABLE_CODES:
                reporter.unreachable = True
            _tell_outbox_of_failure(session, message, now)
    if status in ("delivered", "read"):
        outbox.on_delivered(session, message, now)
    session.commit()
    return message


def _tell_outbox_of_failure(session: Session, message: OutboxMessage, now: datetime) -> None:
    """The carrier says it never arrived: the message is dead, its text goes by the recipient's next
    channel, and a breach alert that failed says so."""
    if message.status == "sent" and message.delivered_at is None:
        message.status = "dead"
    outbox.on_delivery_failed(session, message, now)
