"""Run a PTB coroutine to completion from synchronous code, whatever thread we are on."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_sync(coro):
    """asyncio.run(coro), or the same on a helper thread when this thread already runs an event loop
    (asyncio.run refuses then: e.g. inside an async server or beside Playwright's sync API)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="telegram-send") as pool:
        return pool.submit(asyncio.run, coro).result()
