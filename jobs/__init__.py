"""The scheduler process: a few fixed APScheduler jobs (SLA steps, outbox delivery, heartbeat,
nightly close) that claim their work in the database, so any number of them may run."""
