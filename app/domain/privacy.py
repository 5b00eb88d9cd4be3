"""What of a citizen's identity and of a complaint's history each reader may see. One rule, used by
the staff web, the API and partner webhooks alike, so that no channel shows more than another.

Reporter: supervisors, admins and the complaint's assigned officer see the name, phone and chat id
in full (they call the citizen back); other staff see the phone masked and the name as initials;
a partner system sees the masked phone only.

The citizen's choice at reporting (`Complaint.confidentiality`) narrows that:
- `rahasia` (confidential): only supervisors and admins see the reporter at all; the agency's staff
  (the assigned officer too), camats, officials and partners see neither name nor number, not even
  masked, and cannot find the complaint by the reporter's phone;
- `anonim` (anonymous): no staff sees the reporter; only Sigap itself uses the address, to answer
  this one report, and erases the link once the complaint is settled (app/services/lifecycle/anonymity.py).

History: staff read the whole trail; partners read its public part only, the status changes the
citizen is told of, without notes, actors or internal data."""
from __future__ import annotations

from dataclasses import dataclass

from app.domain.actor import Actor
from app.domain.phone import mask as mask_phone

FULL_ROLES = ("supervisor", "admin")

NORMAL, RAHASIA, ANONIM = "normal", "rahasia", "anonim"
CONFIDENTIALITIES = (NORMAL, RAHASIA, ANONIM)
# The words a citizen, a form or a partner may use for each choice (Indonesian first, English too).
CONFIDENTIALITY_WORDS = {"normal": NORMAL, "biasa": NORMAL, "rahasia": RAHASIA, "confidential": RAHASIA,
                         "anonim": ANONIM, "anonymous": ANONIM}


def confidentiality_of(value) -> str:
    """The canonical choice for a given word ('RAHASIA', 'confidential', ...); normal when absent.
    ValueError for anything else."""
    if value is None or value == "":
        return NORMAL
    if not isinstance(value, str) or value.strip().lower() not in CONFIDENTIALITY_WORDS:
        raise ValueError("confidentiality must be one of: normal, rahasia, anonim")
    return CONFIDENTIALITY_WORDS[value.strip().lower()]


def phone_search_allowed(actor: Actor) -> tuple[str, ...] | None:
    """The confidentialities of complaints `actor` may find by their reporter's phone, all of them
    (None) for Sigap itself; the assigned officer rule is applied beside it (see search)."""
    if actor.kind == "system":
        return None
    if actor.role in FULL_ROLES:
        return (NORMAL, RAHASIA)
    return (NORMAL,)


@dataclass(frozen=True)
class ReporterView:
    """The reporter as this reader may see them; `full` says nothing was hidden."""

    name: str | None
    phone: str | None
    telegram_chat_id: int | str | None
    full: bool
    # The citizen's choice when it hides or marks the reporter: "rahasia" or "anonim", else None.
    confidentiality: str | None = None


def sees_reporter_in_full(actor: Actor, assignee_id: int | None, confidentiality: str = NORMAL) -> bool:
    """Supervisors, admins and the assigned officer (a user, or an API token bound to that user),
    while they work for an agency: an assignee since made an official reads as an official."""
    if actor.kind == "system":
        return True
    if confidentiality == ANONIM:
        return False
    if actor.role in FULL_ROLES:
        return True
    if confidentiality == RAHASIA or not actor.is_agency_scoped:
        return False
    return assignee_id is not None and actor.staff_user_id == assignee_id


def shown_actor(label: str, complaint, actor: Actor) -> str:
    """An event's actor label as this reader may see it: "reporter:<id>" would let a reader match a
    confidential or anonymous reporter with their other, ordinary reports, so it reads "reporter"
    to anyone the citizen's choice hides the reporter from."""
    if not label.startswith("reporter:"):
        return label
    choice = getattr(complaint, "confidentiality", None) or NORMAL
    if choice == NORMAL or sees_reporter_in_full(actor, complaint.assignee_id, choice):
        return label
    return "reporter"


def initials(name: str | None) -> str | None:
    """"Pak Budi Santoso" -> "P. B. S.": who it is for someone who already knows, no more."""
    words = [w for w in (name or "").split() if w[:1].isalnum()]
    return " ".join(w[0].upper() + "." for w in words) or None


def reporter_view(actor: Actor, complaint) -> ReporterView | None:
    """The complaint's reporter as `actor` may see them: None when there is none (a report without a
    reporter, or an anonymous one whose link is erased); a view with `confidentiality` set and no
    name or number when the citizen's choice hides them from this reader. `complaint` needs
    `assignee_id`, `confidentiality` and `reporter` (with `name`, `phone`, `telegram_chat_id`)."""
    choice = getattr(complaint, "confidentiality", None) or NORMAL
    reporter = complaint.reporter
    marked = None if choice == NORMAL else choice
    if reporter is None:
        return None if marked is None else ReporterView(None, None, None, False, marked)
    if sees_reporter_in_full(actor, complaint.assignee_id, choice):
        return ReporterView(reporter.name, reporter.phone, reporter.telegram_chat_id, True, marked)
    if marked is not None:
        return ReporterView(None, None, None, False, marked)
    name = None if actor.role == "partner" else initials(reporter.name)
    return ReporterView(name, mask_phone(reporter.phone), None, False)


# --- other complaints a complaint names ------------------------------------------------------------

# Where a trail event names another complaint by its ticket (a duplicate's original, a repeat's
# earlier report): shown only to a reader who may see that complaint, like `duplicate_of`/`repeat_of`.
LINKED_TICKET_KEYS = {"rejected": "duplicate_of", "linked_repeat": "of"}


def linked_ticket(kind: str, data: dict | None) -> str | None:
    """The ticket of another complaint this event names, if any."""
    key = LINKED_TICKET_KEYS.get(kind)
    value = (data or {}).get(key) if key else None
    return value if isinstance(value, str) else None


def without_unseen_link(kind: str, data: dict | None, unseen: set[str], shown_instead=None) -> dict | None:
    """The event's data with the other complaint's ticket replaced by `shown_instead` when the reader
    may not see that complaint (its ticket is in `unseen`)."""
    ticket = linked_ticket(kind, data)
    if ticket is None or ticket not in unseen:
        return data
    return {**data, LINKED_TICKET_KEYS[kind]: shown_instead}


# --- the public part of a complaint's history ---------------------------------------------------

# Status changes the citizen hears of. "assigned" only when it gives the complaint an agency:
# which officer holds it is internal.
PUBLIC_EVENT_KINDS = ("received", "routed", "assigned", "transferred", "acknowledged", "handled", "resolved",
                      "reopened", "rejected", "closed")
# The one note the citizen is sent: "what was done" when the complaint is handled (core.handled).
PUBLIC_NOTE_KINDS = ("handled",)


def sees_staff_names(actor: Actor) -> bool:
    """Which officer holds a complaint and which official a breach is charged to are internal:
    staff see them, partner systems do not."""
    return actor.role != "partner"


def reads_full_trail(actor: Actor) -> bool:
    """Staff (and the system) read every event with its notes, actors and hash chain; partners do not."""
    return actor.role != "partner"


def public_event(kind: str, data: dict | None) -> dict | None:
    """The public facts of one trail event ({} when the kind says it all), or None when the event
    is internal (views, reminders, escalations, messages, who holds it)."""
    data = data or {}
    if kind not in PUBLIC_EVENT_KINDS:
        return None
    if kind == "routed":
        return {"agency": data.get("agency")}
    if kind == "assigned":
        change = data.get("agency")
        return {"agency": change.get("to")} if isinstance(change, dict) else None
    if kind == "transferred":
        return {"agency": data.get("to")}
    if kind == "rejected":
        return {"reason": data.get("reason")}
    return {}


def public_note(kind: str, note: str | None) -> str | None:
    """The part of an event's note the citizen was told: the handling note; any other note is staff's."""
    return note if kind in PUBLIC_NOTE_KINDS else None
