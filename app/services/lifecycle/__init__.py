"""A complaint's life after intake: acknowledge, handle (with evidence files), resolve, reopen,
assign, transfer, link a repeat, reject, close, comment, nudge the agency, and the nightly close of complaints nobody
disputed. Each action checks who may act, moves the state machine, records an event and keeps the
SLA cursor and outbox in step.

May import the rooms below it: intake, sla, access, reporting, messaging, reference, audit (and
errors); never conversations or demo."""
from .actions import (  # noqa: F401 - the room's use cases, called as lifecycle.handle(...)
    ACTIONS,
    PERMISSIONS,
    REMARKS,
    acknowledge,
    assign,
    can_see,
    close,
    comment,
    handle,
    link_repeat,
    load_for,
    nudge,
    reject,
    reopen,
    resolve,
    transfer,
)
