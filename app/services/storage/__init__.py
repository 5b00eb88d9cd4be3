"""How the append-only tables are kept at national scale: monthly partitions of events and
outbox messages (PostgreSQL), months made ahead, the outbox's expired months dropped whole.

May import nothing of the other rooms (errors aside): it works on tables, not on use cases."""
