"""The escalation ladder's people as data an operator manages (contacts, their channels in order
of preference, duty rosters and handovers), and what each alert did (per recipient, per attempt).

May import the rooms below it: posts, access, messaging, reference, audit (and errors)."""
from .deliveries import alert_attempts, breach_recipients, on_duty_for, on_duty_now, recent_alerts  # noqa: F401
from .directory import (  # noqa: F401
    COLUMNS,
    ContactsProblem,
    ImportResult,
    add_contact,
    export_csv,
    handover,
    import_csv,
    list_contacts,
    parse_moment,
    read_file,
    retire,
)
