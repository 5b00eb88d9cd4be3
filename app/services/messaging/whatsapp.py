"""WhatsApp's rules applied to Sigap's messages: the window of each address (its last inbound
message), the registry of approved templates' content SIDs, and the decision for each outgoing
message: free text inside the window, the approved template outside it, or the next channel at once."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import whatsapp_templates as rules
from app.i18n import LANGUAGES
from app.models import OutboxMessage
from app.models.whatsapp import WhatsAppTemplate, WhatsAppWindow
from app.services.errors import NotFound, ValidationFailed

log = logging.getLogger("sigap.whatsapp")


def phone_of(address: str) -> str:
    return (address or "").strip().removeprefix("whatsapp:")


def record_inbound(session: Session, phone: str, now: datetime) -> None:
    """The number just wrote on WhatsApp: its 24-hour window opens (or stays open) from now. No commit."""
    window = session.get(WhatsAppWindow, phone)
    if window is None:
        session.add(WhatsAppWindow(phone=phone, last_inbound_at=now))
    elif window.last_inbound_at < now:
        window.last_inbound_at = now
    session.flush()


def last_inbound_at(session: Session, phone: str) -> datetime | None:
    return session.scalar(select(WhatsAppWindow.last_inbound_at).where(WhatsAppWindow.phone == phone_of(phone)))


# -- the registry ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    template: rules.Template
    content_sid: str | None
    updated_at: datetime | None = None
    updated_by: str | None = None


def registry(session: Session) -> list[Entry]:
    """Every template Sigap needs, with the content SID entered for it (None: not yet approved/entered)."""
    known = {(row.name, row.language): row for row in session.scalars(select(WhatsAppTemplate))}
    entries = []
    for template in rules.all_templates():
        row = known.get((template.name, template.language))
        entries.append(Entry(template, row.content_sid if row else None, row.updated_at if row else None,
                             row.updated_by if row else None))
    return entries


def missing(session: Session) -> list[str]:
    """'name/language' of every template without a content SID."""
    return [f"{e.template.name}/{e.template.language}" for e in registry(session) if not e.content_sid]


def content_sid(session: Session, name: str, language: str) -> str | None:
    return session.scalar(select(WhatsAppTemplate.content_sid).where(
        WhatsAppTemplate.name == name, WhatsAppTemplate.language == language))


def set_content_sid(session: Session, now: datetime, *, name: str, language: str, sid: str | None,
                    by: str | None = None) -> Entry:
    """Enter (or with an empty sid, remove) the approved content SID of one template. Commits."""
    name, language, sid = (name or "").strip().lower(), (language or "").strip().lower(), (sid or "").strip()
    template = next((t for t in rules.all_templates() if t.name == name and t.language == language), None)
    if template is None:
        if language not in LANGUAGES:
            raise ValidationFailed(f"language must be one of {', '.join(LANGUAGES)}", field="language")
        raise NotFound(f"no template {name!r}: `flask --app wsgi whatsapp templates` lists them")
    row = session.scalar(select(WhatsAppTemplate).where(WhatsAppTemplate.name == name,
                                                        WhatsAppTemplate.language == language))
    if not sid:
        if row is not None:
            session.delete(row)
        session.commit()
        return Entry(template, None)
    if not rules.CONTENT_SID.fullmatch(sid):
        raise ValidationFailed(f"{sid[:40]!r} is not a content SID (HX and 32 hex digits, from Twilio's Content "
                               "Template Builder)", field="content_sid")
    if row is None:
        row = WhatsAppTemplate(name=name, language=language, content_sid=sid, updated_at=now, updated_by=by)
        session.add(row)
    else:
        row.content_sid, row.updated_at, row.updated_by = sid, now, by
    session.commit()
    return Entry(template, sid, now, by)


# -- the decision per message --------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    how: str  # "text" | "template" | "refused"
    content_sid: str | None = None
    variables: dict | None = None
    reason: str | None = None


def plan(session: Session, message: OutboxMessage, now: datetime) -> Plan:
    """How this WhatsApp message may go now: free text inside the recipient's window, else its approved
    template with the variables it was queued with; "refused" when neither is possible."""
    if rules.window_open(last_inbound_at(session, message.recipient), now):
        if message.template in rules.TEMPLATE_EVEN_IN_WINDOW:  # its buttons, when approved; else the text
            language = message.language if message.language in LANGUAGES else "id"
            template = rules.build(message.template, language)
            sid = content_sid(session, template.name, language)
            if sid:
                return Plan("template", sid, template.content_variables((message.extra or {}).get("vars") or {}))
        return Plan("text")
    if not rules.has_template(message.template):
        return Plan("refused", reason="outside WhatsApp's 24-hour window and no template exists for "
                                      f"{message.template!r}")
    language = message.language if message.language in LANGUAGES else "id"
    template = rules.build(message.template, language)
    sid = content_sid(session, template.name, language)
    if not sid:
        return Plan("refused", reason=f"outside WhatsApp's 24-hour window and template {template.name}/{language} "
                                      "has no approved content SID")
    values = (message.extra or {}).get("vars") or {}
    return Plan("template", sid, template.content_variables(values))
