"""A complaint's life after intake: acknowledge, handle (with evidence files), resolve, reopen,
assign, transfer, link a repeat, reject, close. Each action checks who may act, moves the state
machine, records an event and keeps the SLA cursor and outbox in step.

May import: intake (finding a complaint), sla, messaging, audit, reference, errors."""
from .actions import (  # noqa: F401 - the room's use cases, called as lifecycle.handle(...)
    ACTIONS,
    PERMISSIONS,
    acknowledge,
    assign,
    can_see,
    close,
    handle,
    link_repeat,
    load_for,
    reject,
    reopen,
    resolve,
    transfer,
)
