"""The SLA engine's use cases: each complaint's cursor (its next step and when), the steps that fire
exactly once (reminder, warning, breach, escalation), versions of the SLA policy,
and the heartbeats of the scheduler processes that run them.

May import the rooms below it: reporting, posts, access, messaging, reference, audit (and errors)."""
