"""The citizens' (and staff's) dialogues as use cases: the SMS/WhatsApp text protocol and the Telegram
guided report. One inbound message in, the replies out through the outbox.

May import every room below it (lifecycle, intake, sla, access, reporting, messaging, reference,
audit, errors); only demo sits above."""
