"""Job: fetch photos citizens sent to the bot into instance storage, so staff see them."""
from __future__ import annotations

import logging

from config import BASE_DIR
from jobs.runtime import Runtime

log = logging.getLogger("sigap.jobs")
INTERVAL_SECONDS = 60


def run(runtime: Runtime) -> None:
    if not getattr(runtime.settings, "telegram_bot_token", None):
        return
    from app.channels.telegram.files import download_pending

    with runtime.sessionmaker() as session:
        fetched = download_pending(session, runtime.clock.now(), runtime.settings, BASE_DIR / "instance")
    if fetched:
        log.info("fetched %d Telegram photos", fetched)
