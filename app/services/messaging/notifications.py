"""Turns complaint events into outbox messages (citizen receipts and updates, staff alerts), and
finds who can be reached: the citizen on the channel they came by, staff by Telegram or SMS."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.domain import duty, status_code, whatsapp_templates
from app.domain.calendar import indonesian_holidays
from app.domain.local_time import local_time as clock_text
from app.domain.sms_parser import sms_segments
from app.i18n import normalise_language, t
from app.models import Agency, Complaint, Event, User
from app.models.sla_engine import EscalationContact
from app.services.messaging import outbox, partner_webhooks, sms_gateways, staff_consent
from app.services.reference import cache as reference_cache

NOTE_IN_MESSAGE = 80
# session.info key of a per-run cache of staff lookups (the SLA sweep sets and clears it).
CACHE_KEY = "sigap_recipients"


@dataclass(frozen=True)
class Recipient:
    """A staff member or contact with a channel address."""

    name: str
    channel: str  # telegram | sms | whatsapp
    address: str
    language: str = "id"
    user_id: int | None = None
    contact_id: int | None = None
    # The next channels to try, in order, when this one refuses or stays silent: ((channel, address), ...)
    fallbacks: tuple = ()
    # A rostered contact's duty shifts (app.domain.duty.Shift): reachable only while one covers the moment.
    shifts: tuple = ()


# After the preferred channel, a message that did not arrive tries these in this order.
FALLBACK_ORDER = ("whatsapp", "sms", "telegram")


def _after(primary: str, addresses: dict[str, str]) -> tuple:
    """The other channels with an address, in FALLBACK_ORDER."""
    return tuple((c, addresses[c]) for c in FALLBACK_ORDER if c != primary and addresses.get(c))


def user_recipient(user: User | None) -> Recipient | None:
    if user is None or not user.active:
        return None
    lang = normalise_language(user.language)
    addresses = {"sms": user.phone, "telegram": str(user.telegram_chat_id) if user.telegram_chat_id else None}
    for channel in ("telegram", "sms"):
        if addresses[channel]:
            return Recipient(user.name, channel, addresses[channel], lang, user.id, fallbacks=_after(channel, addresses))
    return None


def contact_recipient(contact: EscalationContact, shifts: tuple = (), *, whatsapp_verified: bool) -> Recipient | None:
    """The contact by the channels they listed, in that order (WhatsApp, SMS, Telegram as the operator
    set them); without a list, by the channel they prefer, then their other addresses. WhatsApp only
    once they verified that number and have not said STOP since (staff_consent): until then SMS,
    then Telegram."""
    if not contact.active:
        return None
    lang = normalise_language(contact.language)
    user = contact.user if contact.user_id else None
    chat = contact.telegram_chat_id or (user.telegram_chat_id if user is not None and user.active else None)
    if contact.channels:
        addresses = {"whatsapp": f"whatsapp:{contact.phone}" if contact.phone and whatsapp_verified else None,
                     "sms": contact.phone, "telegram": str(chat) if chat else None}
        order = [(c, addresses[c]) for c in contact.channels.split() if addresses.get(c)]
        if not order:
            return None
        (primary, address), rest = order[0], tuple(order[1:])
        return Recipient(contact.name, primary, address, lang, contact.user_id, contact.id, rest, shifts)
    on_whatsapp = contact.channel == "whatsapp" and bool(contact.phone) and whatsapp_verified
    addresses = {"whatsapp": f"whatsapp:{contact.phone}" if on_whatsapp else None,
                 "sms": contact.phone, "telegram": str(chat) if chat else None}
    if on_whatsapp:
        primary = "whatsapp"
    elif contact.telegram_chat_id and contact.channel in (None, "telegram"):
        primary = "telegram"
    elif contact.phone:
        primary = "sms"
    elif contact.telegram_chat_id:
        primary = "telegram"
    else:
        found = user_recipient(contact.user)
        return (Recipient(contact.name, found.channel, found.address, lang, contact.user_id, contact.id,
                          found.fallbacks, shifts) if found else None)
    return Recipient(contact.name, primary, addresses[primary], lang, contact.user_id, contact.id,
                     _after(primary, addresses), shifts)


def contact_shifts(contact: EscalationContact) -> tuple:
    """A contact's roster lines as pure shifts (empty: no roster, always reachable)."""
    return tuple(duty.Shift(days=frozenset(int(d) for d in row.days), start=time.fromisoformat(row.start_local),
                            minutes=row.minutes, holidays=row.holidays, valid_from=row.valid_from,
                            valid_until=row.valid_until) for row in contact.shifts)


def is_holiday(day: date) -> bool:
    return day in indonesian_holidays((day.year,))


def on_duty(recipients, now: datetime | None, timezone_name: str) -> list[Recipient]:
    """Those reachable at `now`: everyone without a roster, a rostered contact while a shift covers
    it. `now` None: no roster is consulted (everyone listed)."""
    if now is None:
        return [r for r in recipients if r is not None]
    zone = ZoneInfo(timezone_name)
    return [r for r in recipients if r is not None and duty.on_duty(r.shifts, now, zone, is_holiday)]


def unique(recipients) -> list[Recipient]:
    seen, result = set(), []
    for r in recipients:
        if r is not None and (r.channel, r.address) not in seen:
            seen.add((r.channel, r.address))
            result.append(r)
    return result


def level_contacts(session: Session, complaint: Complaint, level: str, now: datetime | None = None) -> list[Recipient]:
    """Who is reachable at a ladder level for this complaint at `now`: contacts for its village,
    district, agency or whole jurisdiction (narrower columns left empty match all) who are on duty
    then, plus the agency's head."""
    return on_duty(_level_candidates(session, complaint, level), now, complaint.jurisdiction.timezone)


def _level_candidates(session: Session, complaint: Complaint, level: str) -> list[Recipient]:
    contacts = session.scalars(
        select(EscalationContact).where(
            EscalationContact.jurisdiction_id == complaint.jurisdiction_id,
            EscalationContact.level == level,
            EscalationContact.active.is_(True),
            or_(EscalationContact.village_id.is_(None), EscalationContact.village_id == complaint.village_id),
            or_(EscalationContact.district_id.is_(None), EscalationContact.district_id == complaint.district_id),
            or_(EscalationContact.agency_id.is_(None), EscalationContact.agency_id == complaint.agency_id),
        ).options(selectinload(EscalationContact.shifts)).order_by(EscalationContact.id)
    ).all()
    verified = staff_consent.whatsapp_verified(
        session, [c.phone for c in contacts if c.phone and (c.channel == "whatsapp" or "whatsapp" in (c.channels or ""))])
    found = [contact_recipient(c, contact_shifts(c), whatsapp_verified=c.phone in verified) for c in contacts]
    if level == "agency_head" and complaint.agency is not None:
        found.insert(0, user_recipient(complaint.agency.head_user))
        if not any(found):
            heads = session.scalars(select(User).where(
                User.agency_id == complaint.agency_id, User.role == "agency_head", User.active.is_(True)
            ).order_by(User.id)).all()
            found.extend(user_recipient(u) for u in heads)
    return unique(found)


def supervisors(session: Session, complaint: Complaint, now: datetime | None = None) -> list[Recipient]:
    return _resolve(_supervisor_candidates(session, complaint), now, complaint)


def _supervisor_candidates(session: Session, complaint: Complaint) -> tuple[list, list]:
    users = session.scalars(select(User).where(
        User.role == "supervisor", User.active.is_(True), User.jurisdiction_id == complaint.jurisdiction_id
    ).order_by(User.id)).all()
    return unique([user_recipient(u) for u in users] + _level_candidates(session, complaint, "supervisor")), []


def assignee_or_duty(session: Session, complaint: Complaint, now: datetime | None = None) -> list[Recipient]:
    """The assigned officer; else the agency's duty contacts on duty at `now` (its piket roster) or its
    duty phone; else its officers."""
    return _resolve(_duty_candidates(session, complaint), now, complaint)


def _duty_candidates(session: Session, complaint: Complaint) -> tuple[list, list]:
    """(who to reach if any is on duty, who to reach otherwise)."""
    if complaint.agency_id is None:
        return _supervisor_candidates(session, complaint)
    found = user_recipient(complaint.assignee) if complaint.assignee_id else None
    if found:
        return [found], []
    duty = _level_candidates(session, complaint, "agency_duty")
    agency: Agency | None = complaint.agency
    if agency is not None and agency.duty_phone:
        return duty, [Recipient(agency.name, "sms", agency.duty_phone)]
    officers = session.scalars(select(User).where(
        User.agency_id == complaint.agency_id, User.role == "officer", User.active.is_(True)
    ).order_by(User.id)).all()
    return duty, unique(user_recipient(u) for u in officers)


def _resolve(parts, now: datetime | None, complaint: Complaint) -> list[Recipient]:
    first, otherwise = parts
    return on_duty(first, now, complaint.jurisdiction.timezone) or on_duty(otherwise, now,
                                                                          complaint.jurisdiction.timezone)


def audience(session: Session, complaint: Complaint, who: str, now: datetime | None = None) -> list[Recipient]:
    """The reachable people of an audience ("supervisors", "assignee_or_duty", "agency_head" or a
    ladder level) for this complaint, at `now` (duty rosters consulted; None: everyone listed)."""
    cache = session.info.get(CACHE_KEY)
    if cache is None:
        return _resolve(_candidates(session, complaint, who), now, complaint)
    key = (who, complaint.jurisdiction_id, complaint.agency_id, complaint.assignee_id, complaint.district_id,
           complaint.village_id)
    if key not in cache:
        cache[key] = _candidates(session, complaint, who)
    return _resolve(cache[key], now, complaint)


def _known_audience(session: Session, complaint: Complaint, who: str, now: datetime) -> list[Recipient]:
    """audience(), its candidates remembered per process until staff, contacts, rosters or agencies
    change (every new complaint of a place and agency alerts the same people): see
    app/services/reference/cache.py. Who is on duty is decided at `now`, never cached."""
    key = (who, complaint.jurisdiction_id, complaint.agency_id, complaint.assignee_id, complaint.district_id,
           complaint.village_id)
    parts = reference_cache.audience(session, key, lambda: list(_candidates(session, complaint, who)))
    return _resolve(parts, now, complaint)


def _candidates(session: Session, complaint: Complaint, who: str) -> tuple[list, list]:
    if who == "supervisors":
        return _supervisor_candidates(session, complaint)
    if who == "assignee_or_duty":
        return _duty_candidates(session, complaint)
    if who == "agency_head" and not complaint.agency_id:
        return _supervisor_candidates(session, complaint)
    return _level_candidates(session, complaint, who), []


def local_time(complaint: Complaint, at: datetime | None) -> str:
    """'23/11 13:00 WIB': a time in an alert, on the complaint's jurisdiction's clock."""
    return clock_text(at, complaint.jurisdiction.timezone, "short")


def facts(complaint: Complaint, lang: str) -> dict:
    """The placeholders every message may use, in the reader's language."""
    if complaint.village is not None:
        place = complaint.village.name
    elif complaint.district is not None:
        place = complaint.district.name
    elif complaint.address:
        place = complaint.address[:40]
    else:
        place = t("core.unknown_place", lang)
    agency = complaint.agency
    return {
        "ticket": complaint.ticket,
        "category": complaint.category.name(lang),
        "place": place,
        "agency": agency.name if agency is not None else t("core.no_agency", lang),
        "due": local_time(complaint, complaint.handle_due_at),
        "ack_due": local_time(complaint, complaint.ack_due_at),
        "triage_due": local_time(complaint, complaint.triage_due_at),
        # the public status page's code: known only while intake holds it (receipts)
        "code": getattr(complaint, "status_code", None) or "-",
    }


def tell_staff(session: Session, complaint: Complaint, recipients: list[Recipient], template: str, now: datetime,
               *, breach_id: int | None = None, extra: dict | None = None, **params) -> list:
    messages = []
    staff_route = None
    for r in recipients:
        route = {}
        if r.channel == "sms":
            if staff_route is None:
                staff_route = sms_gateways.route_to_staff(session, complaint.jurisdiction_id)
            route = staff_route
        values = {**facts(complaint, r.language), **_localised(params, r.language)}
        body = t(template, r.language, **values) + reply_hint(template, r.channel, r.language, complaint.ticket)
        messages.append(outbox.enqueue(
            session, now, channel=r.channel, recipient=r.address, recipient_kind=outbox.STAFF, template=template,
            language=r.language, body=body, complaint=complaint, user_id=r.user_id, breach_id=breach_id,
            extra={**(extra or {}), "recipient_name": r.name, **({"contact_id": r.contact_id} if r.contact_id else {}),
                   **route, **_delivery_extra(template, r.language, r.channel, r.fallbacks, values)},
        ))
    return messages


# Staff alerts about a complaint that can be acknowledged by reply (app/services/conversations/alert_replies.py).
HINTED_TEMPLATES = ("core.staff.new", "core.staff.assigned", "core.staff.remind", "core.staff.warn",
                    "core.staff.breach", "core.staff.escalate", "core.staff.reopened")


def reply_hint(template: str, channel: str, lang: str, ticket: str) -> str:
    """How to acknowledge by reply, ending an SMS/WhatsApp alert ('1' or 'OK <ticket>'); Telegram
    alerts carry a button instead."""
    if channel not in ("sms", "whatsapp") or template not in HINTED_TEMPLATES:
        return ""
    return " " + t("core.staff.reply_hint", lang, ticket=ticket)


def _delivery_extra(template: str, lang: str, channel: str, fallbacks: tuple, values: dict) -> dict:
    """What delivery needs beyond the text: the next channels, and for WhatsApp the template's
    variables (outside the 24-hour window the message goes as the approved template)."""
    extra = {"fallback": [list(pair) for pair in fallbacks]} if fallbacks else {}
    if whatsapp_templates.has_template(template) and (channel == "whatsapp"
                                                      or any(c == "whatsapp" for c, _a in fallbacks)):
        fields = whatsapp_templates.build(template, lang).variables
        extra["vars"] = {name: str(values.get(name, "")) for name in fields}
    return extra


def _localised(params: dict, lang: str) -> dict:
    # A callable parameter is rendered in the reader's language (e.g. the ladder level's name).
    return {k: (v(lang) if callable(v) else v) for k, v in params.items()}


def reporter_address(complaint: Complaint) -> tuple[str, str] | None:
    """(channel, address) for the citizen: the channel they came by first, then Telegram, then SMS."""
    found = reporter_channels(complaint)
    return found[0] if found else None


def reporter_channels(complaint: Complaint) -> list[tuple[str, str]]:
    """Every (channel, address) of the citizen, best first: the one they came by, then the others
    (WhatsApp only if they wrote on it, then SMS, then Telegram)."""
    reporter = complaint.reporter
    if reporter is None:
        return []
    addresses = {"whatsapp": f"whatsapp:{reporter.phone}" if complaint.channel == "whatsapp" and reporter.phone else None,
                 "sms": reporter.phone, "telegram": str(reporter.telegram_chat_id) if reporter.telegram_chat_id else None}
    if complaint.channel in ("whatsapp", "sms") and addresses[complaint.channel]:
        primary = complaint.channel
    elif addresses["telegram"]:
        primary = "telegram"
    elif addresses["sms"]:
        primary = "sms"
    else:
        return []
    return [(primary, addresses[primary]), *_after(primary, addresses)]


# Receipts: the messages that tell the citizen what their confidentiality choice means and where
# the status page is.
RECEIPT_TEMPLATES = ("core.receipt", "core.receipt_triage", "telegram.submitted")
# How long after closing an anonymous report keeps its link to the citizen's address (the
# satisfaction question's answer window): app/services/lifecycle/anonymity.py erases it then.
ANONYMOUS_LINK_DAYS = 7


def confidentiality_told(complaint: Complaint, lang: str) -> str | None:
    """What the citizen's choice means, for their receipt; None for a normal report."""
    choice = complaint.confidentiality or "normal"
    if choice == "rahasia":
        return t("confidential.told.rahasia", lang)
    if choice == "anonim":
        if complaint.reporter_id is None:
            return t("confidential.told.anonim_no_contact", lang)
        return t("confidential.told.anonim", lang, days=ANONYMOUS_LINK_DAYS)
    return None


# A receipt by SMS takes at most this many segments with the status page's link; past that (a very
# long PUBLIC_BASE_URL) the SMS goes without the link: the ticket and code still open the page.
SMS_RECEIPT_SEGMENTS = 3


def status_link_told(session: Session, complaint: Complaint, lang: str) -> str | None:
    """The status page's link for the citizen's receipt, as a sentence in their language; None when
    no PUBLIC_BASE_URL is configured. The same for every confidentiality: the link holds only the
    ticket, and the page opens only with the code, showing what it shows every citizen."""
    link = status_code.status_link(session.info.get("public_base_url"), complaint.ticket, lang)
    return t("core.receipt_link", lang, link=link) if link else None


def with_receipt_notes(session: Session, complaint: Complaint, body: str, lang: str, channel: str,
                       separator: str = " ") -> str:
    """A receipt's text with what follows it: what the confidentiality choice means, then the status
    page's link (left out of an SMS it would make longer than SMS_RECEIPT_SEGMENTS)."""
    told = confidentiality_told(complaint, lang)
    if told:
        body = f"{body}{separator}{told}"
    link = status_link_told(session, complaint, lang)
    if link:
        linked = f"{body}{separator}{link}"
        if channel != "sms" or sms_segments(linked) <= SMS_RECEIPT_SEGMENTS:
            body = linked
    return body


def tell_reporter(session: Session, complaint: Complaint, template: str, now: datetime, *,
                  extra: dict | None = None, **params):
    """Queue a message to the citizen; an opted-out or unreachable citizen gets a record of why
    nothing was sent (a dead message) instead. Returns the message or None (no address at all)."""
    channels = reporter_channels(complaint)
    if not channels:
        return None
    address, fallbacks = channels[0], tuple(channels[1:])
    reporter = complaint.reporter
    lang = normalise_language(reporter.language)
    values = {**facts(complaint, lang), **_localised(params, lang)}
    body = t(template, lang, **values)
    if template in RECEIPT_TEMPLATES:
        body = with_receipt_notes(session, complaint, body, lang, address[0],
                                  "\n" if template.startswith("telegram.") else " ")
    extra = {**(extra or {}), **_delivery_extra(template, lang, address[0], fallbacks, values)}
    skipped = None
    if reporter.opted_out:
        skipped = "not sent: the citizen opted out (STOP)"
    elif reporter.unreachable:
        skipped = "not sent: the citizen's address failed permanently before"
    if address[0] == "sms":
        extra = {**(extra or {}), **sms_gateways.route_to_citizen(session, reporter.phone)} or None
    return outbox.enqueue(
        session, now, channel=address[0], recipient=address[1], recipient_kind=outbox.REPORTER, template=template,
        language=lang, body=body, complaint=complaint, reporter_id=reporter.id, extra=extra,
        status="dead" if skipped else "pending", last_error=skipped,
    )


def _short(note: str | None, lang: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > NOTE_IN_MESSAGE:
        note = note[: NOTE_IN_MESSAGE - 3].rstrip() + "..."
    return note or "-"


def on_event(session: Session, complaint: Complaint, event: Event, now: datetime, *, receipt: bool = True) -> None:
    """Write, in the caller's transaction, the messages this event causes. receipt=False: no
    standard receipt for "received" (a dialogue answers the citizen with its own)."""
    kind, data = event.kind, event.data or {}
    if kind == "received":
        if receipt:
            tell_reporter(session, complaint, "core.receipt" if complaint.agency_id else "core.receipt_triage", now)
    elif kind == "routed":
        tell_staff(session, complaint, _known_audience(session, complaint, "assignee_or_duty", now), "core.staff.new", now)
    elif kind == "triaged":
        tell_staff(session, complaint, _known_audience(session, complaint, "supervisors", now), "core.staff.triage", now)
    elif kind == "assigned":
        if "assignee" in data and complaint.assignee_id:
            tell_staff(session, complaint, _listed(user_recipient(complaint.assignee)), "core.staff.assigned", now)
        elif "agency" in data:
            tell_staff(session, complaint, assignee_or_duty(session, complaint, now), "core.staff.new", now)
    elif kind == "transferred":
        tell_staff(session, complaint, assignee_or_duty(session, complaint, now), "core.staff.new", now)
        tell_reporter(session, complaint, "core.transferred", now)
    elif kind == "acknowledged":
        if not data.get("implied_by"):
            tell_reporter(session, complaint, "core.acknowledged", now)
    elif kind == "handled":
        tell_reporter(session, complaint, "core.handled", now, note=lambda lang: _short(event.note, lang),
                      extra={"ask": "confirm_handled", "replies": ["YA", "TIDAK"]})
    elif kind == "resolved":
        tell_reporter(session, complaint, "core.resolved", now)
    elif kind == "reopened":
        tell_reporter(session, complaint, "core.reopened", now)
        staff = assignee_or_duty(session, complaint, now) + level_contacts(session, complaint, "agency_head", now)
        tell_staff(session, complaint, unique(staff), "core.staff.reopened", now)
    elif kind == "nudged":
        staff = assignee_or_duty(session, complaint, now) + level_contacts(session, complaint, "agency_head", now)
        tell_staff(session, complaint, unique(staff), "core.staff.nudged", now, who=data.get("by_name") or "-",
                   note=lambda lang: _short(event.note, lang))
    elif kind == "rejected":
        reason = data.get("reason") or "out_of_scope"
        other = data.get("duplicate_of") or "-"
        tell_reporter(session, complaint, "core.rejected", now,
                      reason=lambda lang: t(f"core.reason.{reason}", lang, **({"other": other} if reason == "duplicate" else {})))
    # The partner system that submitted the complaint hears of every status change too.
    partner_webhooks.on_event(session, complaint, event, now)


def _listed(recipient: Recipient | None) -> list[Recipient]:
    return [recipient] if recipient else []
