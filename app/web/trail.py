"""The audit trail and the SLA timeline as people read them: each event a sentence in the reader's
language, with names, local times and durations, instead of the stored codes. The stored record
(what the hash chain covers) stays one click away on the page for auditors."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask_babel import gettext as _

from app.services.sla.escalation import level_title
from app.web.formatting import _lang, duration, local_time


def _at(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def deadline_word(kind: str | None) -> str:
    return {"acknowledge": _("acknowledge"), "handle": _("handle"), "triage": _("triage")}.get(kind or "", kind or "")


def channel_word(code: str) -> str:
    return {"sms": "SMS", "telegram": "Telegram", "whatsapp": "WhatsApp", "email": _("e-mail"),
            "console": _("the console"), "webhook": "webhook"}.get(code, code)


def audience_word(code: str | None) -> str:
    if not code:
        return ""
    if code == "assignee_or_duty":
        return _("officer or duty desk")
    if code == "reporter":
        return _("the reporter")
    return level_title(code, _lang())


def actor_name(label: str, names: dict[str, str]) -> str:
    """Who did it, for people: a staff member's name, the reporter, a partner system or Sigap."""
    if label in names:
        return names[label]
    kind = label.split(":", 1)[0]
    if kind == "reporter":
        return _("the reporter")
    if kind in ("token", "partner"):
        return _("a partner system (%(name)s)", name=label.split(":", 1)[1] if ":" in label else label)
    if kind == "user":
        return _("a staff member")
    return label


def recipients_text(recipients, audience: str | None) -> str:
    """'Henik Setyorini (Kepala Dinas) via SMS, Agus via Telegram' from the stored 'Name (channel)'."""
    role = audience_word(audience)
    parts = []
    for entry in recipients or []:
        name, _sep, channel = str(entry).rpartition(" (")
        if not name:
            name, channel = str(entry), ""
        channel = channel.rstrip(")")
        who = f"{name} ({role})" if role else name
        parts.append(_("%(who)s via %(channel)s", who=who, channel=channel_word(channel)) if channel else who)
    return ", ".join(parts)


def _relative(moment: datetime | None, due: datetime | None) -> str:
    if moment is None or due is None:
        return ""
    if moment <= due:
        return _("%(d)s before the deadline", d=duration(due - moment))
    return _("%(d)s after the deadline", d=duration(moment - due))


def _late_step(data: dict) -> str:
    seconds = data.get("late_seconds") or 0
    if data.get("late") and seconds >= 60:
        return " " + _("(sent %(d)s late: the scheduler was catching up)", d=duration(timedelta(seconds=seconds)))
    return ""


def sentence(event, complaint, *, names: dict[str, str], agencies: dict[str, str], tz: str,
             data: dict | None = None) -> str:
    """One event as a sentence. `data` is the event's data as this reader may see it."""
    data = data if data is not None else (event.data or {})
    who = actor_name(event.actor, names)
    kind = event.kind

    def agency(code):
        return agencies.get(code, code) if code else _("the triage desk")

    if kind == "received":
        from app.web.views import labels
        channel = labels()["channel_names"].get(data.get("channel"), data.get("channel") or "")
        text = _("Report received via %(channel)s from %(who)s.", channel=channel, who=who)
        if data.get("confidentiality") in ("rahasia", "anonim"):  # the citizen's choice (app.domain.privacy)
            text += " " + (_("Confidential report") if data["confidentiality"] == "rahasia" else _("Anonymous report")) + "."
        if data.get("entered_late_minutes"):
            text += " " + _("Entered %(d)s after it was received.",
                            d=duration(timedelta(minutes=data["entered_late_minutes"])))
        return text
    if kind == "routed":
        return _("Routed to %(agency)s by the routing rules.", agency=agency(data.get("agency")))
    if kind == "triaged":
        return _("No routing rule matched: sent to the supervisors' triage desk, to be given an agency by %(time)s.",
                 time=local_time(_at(data.get("triage_due_at")), tz))
    if kind == "assigned":
        targets = []
        moved = data.get("agency")
        if isinstance(moved, dict) and moved.get("to"):
            targets.append(agency(moved["to"]))
        officer = data.get("assignee")
        if isinstance(officer, dict) and officer.get("name"):
            targets.append(officer["name"])
        if not targets:
            return _("%(who)s assigned it.", who=who)
        return _("%(who)s assigned it to %(target)s.", who=who, target=" · ".join(targets))
    if kind == "transferred":
        return _("%(who)s transferred it from %(source)s to %(target)s; the clock keeps running.", who=who,
                 source=agency(data.get("from")), target=agency(data.get("to")))
    if kind == "acknowledged":
        if data.get("implied_by") == "handle":
            return _("Acknowledged by %(who)s together with the handling.", who=who)
        return _("%(who)s acknowledged it, %(when)s.", who=who, when=_relative(event.at, complaint.ack_due_at))
    if kind == "handled":
        text = _("%(who)s recorded the handling, %(when)s.", who=who, when=_relative(event.at, complaint.handle_due_at))
        evidence = data.get("evidence") or {}
        if isinstance(evidence, dict) and evidence.get("photo"):
            text += " " + _("With a photo.")
        if isinstance(evidence, dict) and evidence.get("lat") is not None:
            text += " " + _("With a location check-in.")
            if evidence.get("village_km") is not None:
                text += " " + _("%(km)s km from the village centre.", km=evidence["village_km"])
            if evidence.get("far"):
                text += " " + _("Far from the reported place: check it.")
        if data.get("with_original"):
            text += " " + _("Handled together with the original report %(ticket)s.", ticket=data["with_original"])
        return text
    if kind == "resolved":
        return _("%(who)s recorded the long-term outcome.", who=who)
    if kind == "reopened":
        if data.get("by_citizen"):
            return _("The citizen said it was not handled: reopened.")
        return _("%(who)s reopened it.", who=who)
    if kind == "rejected":
        from app.web.views import labels
        reason = labels()["reason_names"].get(data.get("reason"), data.get("reason") or "")
        text = _("%(who)s rejected it: %(reason)s.", who=who, reason=reason)
        if data.get("duplicate_of"):
            text += " " + _("Original report: %(ticket)s.", ticket=data["duplicate_of"])
        return text
    if kind == "closed":
        return _("Closed.")
    if kind == "linked_repeat":
        return _("%(who)s linked it as a repeat of %(ticket)s: it now has the earlier deadlines (acknowledge by "
                 "%(ack)s, handle by %(handle)s).", who=who, ticket=data.get("of") or "—",
                 ack=local_time(_at(data.get("ack_due_at")), tz), handle=local_time(_at(data.get("handle_due_at")), tz))
    if kind in ("reminded", "warned"):
        what = _("Reminder") if kind == "reminded" else _("Warning")
        deadline = deadline_word(data.get("deadline"))
        if data.get("nobody_reachable"):
            return _("%(what)s before the %(deadline)s deadline: nobody reachable (%(audience)s), nothing sent.",
                     what=what, deadline=deadline, audience=audience_word(data.get("audience")))
        if data.get("sent") is False:
            return _("%(what)s before the %(deadline)s deadline not sent: the deadline had already passed when "
                     "the scheduler caught up.", what=what, deadline=deadline)
        return _("%(what)s before the %(deadline)s deadline sent to %(recipients)s.", what=what, deadline=deadline,
                 recipients=recipients_text(data.get("recipients"), data.get("audience"))) + _late_step(data)
    if kind == "breached":
        deadline = deadline_word(data.get("kind") or data.get("deadline"))
        due = _at(data.get("deadline_at"))
        if data.get("already_breached"):
            return _("The %(deadline)s deadline moved earlier; the breach already recorded stands.", deadline=deadline)
        text = _("The %(deadline)s deadline (%(due)s) was missed.", deadline=deadline, due=local_time(due, tz))
        if data.get("official"):
            text += " " + _("Charged to %(official)s, %(agency)s.", official=data["official"],
                            agency=agency(data.get("agency")))
        if data.get("nobody_reachable"):
            text += " " + _("Nobody could be alerted: the system failed to notify.")
        elif data.get("recipients"):
            text += " " + _("Alerted: %(recipients)s.", recipients=recipients_text(data.get("recipients"), None))
        if data.get("citizen_told"):
            text += " " + _("The citizen was told it is late.")
        return text + _late_step(data)
    if kind == "escalated":
        due = _at(data.get("deadline_at"))
        past = _("%(d)s after the %(deadline)s deadline", d=duration(event.at - due),
                 deadline=deadline_word(data.get("deadline"))) if due else ""
        if data.get("fallback") and data.get("nobody_reachable"):
            text = _("Nobody reachable on the rest of the ladder nor among the supervisors, %(past)s: nobody was "
                     "alerted.", past=past)
        elif data.get("fallback"):
            text = _("Nobody reachable on the rest of the ladder: the supervisors were told, %(past)s.", past=past)
        elif data.get("repeat"):
            text = _("Repeat alert %(n)s past the top of the ladder (%(levels)s), %(past)s.", n=data["repeat"],
                     levels=", ".join(audience_word(level) for level in data.get("levels") or ()), past=past)
            if data.get("not_sent"):
                text += " " + _("Not sent: a later repeat was already due.")
        else:
            text = _("Escalated to %(level)s, %(past)s.", level=audience_word(data.get("level")), past=past)
        if data.get("recipients"):
            text += " " + _("Alerted: %(recipients)s.",
                            recipients=recipients_text(data.get("recipients"), data.get("level") or "supervisors"))
        if data.get("skipped"):
            text += " " + _("Skipped, nobody reachable: %(levels)s.",
                            levels=", ".join(audience_word(level) for level in data["skipped"]))
        return text
    if kind == "alert_acknowledged":
        return _("%(who)s answered the alert by reply on %(channel)s.", who=who,
                 channel=channel_word(data.get("channel") or ""))
    if kind == "alert_seen":
        return _("%(who)s (%(level)s) answered the alert by reply on %(channel)s: seen, which is not the "
                 "agency's acknowledgement.", who=who, level=audience_word(data.get("level")) or "-",
                 channel=channel_word(data.get("channel") or ""))
    if kind == "breach_withdrawn":
        return _("The %(deadline)s breach was withdrawn: the deadline was met at %(time)s, before the alert "
                 "was written.", deadline=deadline_word(data.get("kind")), time=local_time(_at(data.get("met_at")), tz))
    if kind == "breach_recharged":
        return _("The %(deadline)s breach is now charged to %(name)s, named to the post from a date before "
                 "the deadline.", deadline=deadline_word(data.get("kind")), name=data.get("official") or "-")
    if kind == "message_failed":
        audience = _("the citizen") if data.get("recipient_kind") == "reporter" else _("staff")
        return _("A message to %(audience)s via %(channel)s could not be delivered after %(n)s attempts.",
                 audience=audience, channel=channel_word(data.get("channel") or ""), n=data.get("attempts") or 0)
    if kind == "viewed":
        return _("%(who)s opened the complaint.", who=who)
    if kind in ("citizen_confirmed", "reporter_confirmed"):
        return _("The citizen confirmed that someone came.")
    from app.web.views import labels
    return labels()["event_names"].get(kind, kind.replace("_", " ")) + "."


def timeline_label(event) -> str:
    """A step the SLA engine fired, for the timeline: what, before which deadline, to whom."""
    data = event.data or {}
    what = {"reminded": _("Reminder"), "warned": _("Warning"), "escalated": _("Escalation")}.get(event.kind, event.kind)
    deadline = deadline_word(data.get("deadline"))
    if data.get("nobody_reachable"):
        outcome = _("nobody reachable")
    elif data.get("sent") is False:
        outcome = _("not sent")
    else:
        outcome = audience_word(data.get("level") or data.get("audience") or
                                ("supervisors" if data.get("fallback") else None))
    return _("%(what)s (%(deadline)s deadline): %(outcome)s", what=what, deadline=deadline, outcome=outcome)


def raw_record(event, data: dict | None, actor: str | None = None) -> str:
    """The stored record as auditors check it against the chain (with what this reader may not see
    left out: `actor` replaces a hidden reporter's label)."""
    return json.dumps({"seq": event.seq, "kind": event.kind, "at": event.at.isoformat().replace("+00:00", "Z"),
                       "actor": actor or event.actor, "note": event.note, "data": data, "prev_hash": event.prev_hash,
                       "hash": event.hash}, ensure_ascii=False, indent=1, default=str)
