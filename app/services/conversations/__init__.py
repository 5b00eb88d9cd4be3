"""The citizens' (and staff's) dialogues as use cases: the SMS/WhatsApp text protocol and the Telegram
guided report. One inbound message in, the replies out through the outbox.

May import: every other room except reporting."""
