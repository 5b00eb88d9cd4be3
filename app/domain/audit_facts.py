"""The facts every figure is computed from, replayed from a complaint's event chain, and the
differences between them and what the complaint and breach rows say.

A row edited behind the application's back (a handled time moved, a breach deleted) no longer
matches the chain, and the chain itself is protected by keyed hashes (audit_chain.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from app.domain import lifecycle as machine
from app.domain.sla import minutes_late

# The complaint columns compared, in the order they are reported.
FACT_FIELDS = (
    "status", "received_at", "ack_due_at", "handle_due_at", "triage_due_at", "acknowledged_at",
    "handled_at", "resolved_at", "closed_at", "rejected_at", "reject_reason", "agency", "category",
    "district", "sla_policy_id", "reopened_count", "ack_breached", "handle_breached", "repeat_of", "duplicate_of",
)
BREACH_FIELDS = ("agency", "official_id", "due_at", "detected_at", "met_at", "minutes_late")
# Events that move the status by the state machine's rule (their action's name).
ACTION_OF = {"acknowledged": "acknowledge", "handled": "handle", "resolved": "resolve", "reopened": "reopen",
             "rejected": "reject", "assigned": "assign", "transferred": "transfer", "closed": "close"}


@dataclass
class BreachFacts:
    kind: str
    due_at: datetime | None
    detected_at: datetime
    agency: str | int | None = None  # agency id when the event recorded it, else its code
    official_id: int | None = None
    met_at: datetime | None = None
    minutes_late: int | None = None


@dataclass
class Facts:
    values: dict = field(default_factory=dict)
    breaches: list[BreachFacts] = field(default_factory=list)


def _time(text) -> datetime | None:
    if not text:
        return None
    parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _agency(data: dict, id_key: str, code_key: str):
    """The agency an event names: its id when recorded (codes may be renamed), else its code."""
    if data.get(id_key) is not None:
        return int(data[id_key])
    return data.get(code_key)


def _meet(facts: Facts, kind: str, at: datetime) -> None:
    for breach in facts.breaches:
        if breach.kind == kind and breach.met_at is None:
            breach.met_at = at
            breach.minutes_late = minutes_late(breach.due_at, at) if breach.due_at else None


def replay(events: list) -> Facts:
    """The facts as the chain tells them (events ordered by seq, each with kind, at and data)."""
    facts = Facts({"reopened_count": 0, "ack_breached": False, "handle_breached": False, "status": None,
                   "triage_due_at": None, "acknowledged_at": None, "handled_at": None, "resolved_at": None,
                   "closed_at": None, "rejected_at": None, "reject_reason": None, "agency": None,
                   "repeat_of": None, "duplicate_of": None})
    v = facts.values
    for ev in events:
        data = ev.data or {}
        kind, at = ev.kind, ev.at
        if kind in ACTION_OF and v["status"] is not None:
            try:
                v["status"] = machine.next_status(ACTION_OF[kind], v["status"])
            except machine.IllegalTransitionError:
                v["status"] = f"(impossible: {kind} from {v['status']})"
        if kind == "received":
            v["status"] = "received"
            v.update(received_at=_time(data.get("received_at")) or at, ack_due_at=_time(data.get("ack_due_at")),
                     handle_due_at=_time(data.get("handle_due_at")), sla_policy_id=data.get("sla_policy_id"),
                     category=data.get("category_id", data.get("category")),
                     district=data.get("district_id", data.get("district")))
        elif kind == "routed":
            v["status"] = "assigned"
            v["agency"] = _agency(data, "agency_id", "agency")
        elif kind == "triaged":
            v["status"] = "triage"
            v["triage_due_at"] = _time(data.get("triage_due_at"))
        elif kind == "acknowledged":
            v["acknowledged_at"] = at
            _meet(facts, "acknowledge", at)
        elif kind == "handled":
            v["handled_at"] = at
            _meet(facts, "handle", at)
        elif kind == "resolved":
            v["resolved_at"] = at
        elif kind == "reopened":
            v.update(handled_at=None, resolved_at=None, reopened_count=v["reopened_count"] + 1)
        elif kind == "rejected":
            v.update(rejected_at=at, reject_reason=data.get("reason"), duplicate_of=data.get("duplicate_of"))
        elif kind == "closed":
            v["closed_at"] = at
        elif kind == "assigned":
            moved = data.get("agency")
            if isinstance(moved, dict):
                v["agency"] = _agency(moved, "to_id", "to")
            if v["status"] != "triage":
                v["triage_due_at"] = None
        elif kind == "transferred":
            v["agency"] = _agency(data, "to_id", "to")
            v["triage_due_at"] = None
        elif kind == "linked_repeat":
            v.update(ack_due_at=_time(data.get("ack_due_at")), handle_due_at=_time(data.get("handle_due_at")),
                     repeat_of=data.get("of"))
        elif kind == "breached" and not data.get("already_breached"):
            breach_kind = data.get("kind")
            facts.breaches.append(BreachFacts(
                kind=breach_kind, due_at=_time(data.get("deadline_at")), detected_at=at,
                agency=_agency(data, "agency_id", "agency"), official_id=data.get("official_id")))
            if breach_kind in ("acknowledge", "handle"):
                v["ack_breached" if breach_kind == "acknowledge" else "handle_breached"] = True
        elif kind == "breach_withdrawn":
            due = _time(data.get("due_at"))
            facts.breaches = [b for b in facts.breaches if not (b.kind == data.get("kind") and b.due_at == due)]
            if data.get("kind") in ("acknowledge", "handle"):
                v["ack_breached" if data.get("kind") == "acknowledge" else "handle_breached"] = False
        elif kind == "breach_recharged":  # a holder named from a past moment answers for it
            due = _time(data.get("due_at"))
            for breach in facts.breaches:
                if breach.kind == data.get("kind") and breach.due_at == due:
                    breach.official_id = data.get("official_id")
        elif kind == "breach_met":
            due = _time(data.get("due_at"))
            for breach in facts.breaches:
                if breach.kind == data.get("kind") and breach.due_at == due:
                    breach.met_at = _time(data.get("met_at")) or at
                    breach.minutes_late = data.get("minutes_late")
        # A triage breach is met by whatever takes the complaint out of triage (cursor.settle_breaches).
        if v["status"] not in (None, "triage", "received"):
            _meet(facts, "triage", at)
    return facts


@dataclass(frozen=True)
class Difference:
    field: str  # "handled_at", or "breach handle" for a breach row
    row: object
    chain: object


def compare(row: dict, breaches: list[dict], facts: Facts) -> list[Difference]:
    """Each fact where the rows differ from the chain. `row` holds FACT_FIELDS (agency, category
    and district as {"id":..., "code":...} or None); `breaches` the breach rows as dicts."""
    found: list[Difference] = []
    for name in FACT_FIELDS:
        if name not in facts.values:
            continue
        chain_value = facts.values[name]
        row_value = row.get(name)
        if isinstance(row_value, dict) or (row_value is None and name in ("agency", "category", "district")):
            if not _same_ref(row_value, chain_value):
                found.append(Difference(name, _ref_text(row_value), chain_value))
        elif row_value != chain_value:
            found.append(Difference(name, row_value, chain_value))
    found += _compare_breaches(breaches, facts.breaches)
    return found


def _when(at) -> str:
    """A deadline as the rest of verify's lines print times (UTC, to the second)."""
    if not isinstance(at, datetime):
        return str(at)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _same_ref(row_value: dict | None, chain_value) -> bool:
    if row_value is None or chain_value is None:
        return row_value is None and chain_value is None
    return chain_value in (row_value.get("id"), row_value.get("code"))


def _ref_text(row_value: dict | None):
    return None if row_value is None else row_value.get("code") or row_value.get("id")


def _compare_breaches(rows: list[dict], chain: list[BreachFacts]) -> list[Difference]:
    found: list[Difference] = []
    unmatched = list(rows)
    for breach in chain:
        match = next((r for r in unmatched if r["kind"] == breach.kind and r["due_at"] == breach.due_at), None)
        if match is None:
            match = next((r for r in unmatched if r["kind"] == breach.kind), None)
        label = f"breach {breach.kind}"
        if match is None:
            found.append(Difference(label, "missing", f"due {_when(breach.due_at)}"))
            continue
        unmatched.remove(match)
        for name in BREACH_FIELDS:
            chain_value = getattr(breach, name)
            row_value = match.get(name)
            if name == "official_id" and chain_value is None:
                continue  # not recorded by chains written before it was
            if name == "agency":
                if not _same_ref(row_value, chain_value):
                    found.append(Difference(f"{label} agency", _ref_text(row_value), chain_value))
            elif row_value != chain_value:
                found.append(Difference(f"{label} {name}", row_value, chain_value))
    for extra in unmatched:
        found.append(Difference(f"breach {extra['kind']}", f"due {_when(extra['due_at'])}", "not in the chain"))
    return found
