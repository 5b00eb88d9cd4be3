"""The process's one event loop for Telegram, on a daemon thread, and on it one long-lived `Bot` per
(token, Bot API address): its connections to the Bot API are opened once and reused, not once per
message. Synchronous code (the outbox's sender, photo downloads, polling, `set-webhook`) hands work
over with `call` and waits for it.

Why a thread: a PTB Bot and its httpx client belong to the event loop they first ran on; one Bot
reused across `asyncio.run` calls fails with "Event loop is closed" (FIELD-NOTES). The loop starts
on first use and belongs to the process that started it: a forked child (a gunicorn worker) forgets
its parent's and starts its own. `shutdown` closes the Bots and stops the loop; it runs at exit, and
tests call it between fake Bot APIs."""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from telegram import Bot
from telegram.error import InvalidToken, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger("sigap.telegram")
T = TypeVar("T")

# How long a caller waits for one call; the Bot's own timeouts (below) end most calls sooner.
CALL_TIMEOUT = 60.0
# Sends are one at a time per thread; a few connections let the outbox, photo downloads and
# polling's answers run side by side without waiting for each other.
CONNECTIONS = 8
# Idle connections are kept this long (httpx's default is 5 s): the outbox sends in bursts.
KEEPALIVE_SECONDS = 30.0


class _Loop:
    """One event loop running forever on a daemon thread, and the Bots that live on it."""

    def __init__(self):
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.bots: dict[tuple[str, str], tuple[Bot, asyncio.Lock]] = {}
        self.thread = threading.Thread(target=self._run, name="telegram-loop", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(self.loop)
            for task in tasks:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def bot(self, token: str, base_url: str) -> Bot:
        """The Bot for this token and address, built and initialised (getMe) on first use; an
        initialisation that failed (network down) is tried again by the next call."""
        key = (token, base_url)
        if key not in self.bots:
            self.bots[key] = (_build(token, base_url), asyncio.Lock())
        bot, lock = self.bots[key]
        async with lock:
            await bot.initialize()  # a no-op once done
        return bot

    async def close_bots(self) -> None:
        bots, self.bots = [bot for bot, _ in self.bots.values()], {}
        await asyncio.gather(*(bot.shutdown() for bot in bots), return_exceptions=True)

    def close(self, timeout: float) -> None:
        if self.thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self.close_bots(), self.loop).result(timeout)
            except Exception as exc:  # noqa: BLE001 - closing is best effort
                log.warning("closing the Telegram bots failed: %s", exc)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout)


def _build(token: str, base_url: str) -> Bot:
    base = base_url.rstrip("/")
    request = HTTPXRequest(connect_timeout=5, read_timeout=10, write_timeout=10, httpx_kwargs={
        "limits": httpx.Limits(max_connections=CONNECTIONS, keepalive_expiry=KEEPALIVE_SECONDS)})
    # getUpdates long-polls on a connection of its own, so it never holds up a send.
    updates_request = HTTPXRequest(connection_pool_size=1, connect_timeout=5, read_timeout=40)
    return Bot(token, base_url=base + "/bot", base_file_url=base + "/file/bot",
               request=request, get_updates_request=updates_request)


_lock = threading.Lock()
_current: _Loop | None = None


def _running() -> _Loop:
    global _current
    with _lock:
        if _current is None or _current.pid != os.getpid() or not _current.thread.is_alive():
            _current = _Loop()
        return _current


def call(settings, work: Callable[[Bot], Awaitable[T]], timeout: float = CALL_TIMEOUT) -> T:
    """Run `work(bot)` on the process's Telegram loop with the Bot for settings' token and
    TELEGRAM_API_BASE_URL, and return its result or raise its error (PTB's errors as they are;
    no answer within `timeout` seconds raises TimedOut, a NetworkError)."""
    runner = _running()
    if threading.current_thread() is runner.thread:
        raise RuntimeError("bots.call() from the Telegram loop itself would wait for itself")

    async def run() -> T:
        bot = await runner.bot(settings.telegram_bot_token, settings.telegram_api_base_url)
        return await work(bot)

    future = asyncio.run_coroutine_threadsafe(run(), runner.loop)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise TimedOut(f"no answer from the Bot API within {timeout:g} s") from None
    except InvalidToken:
        # PTB's message quotes the token itself; it must not reach logs or stored errors.
        raise InvalidToken("the Bot API refused the bot token") from None


def shutdown(timeout: float = 10.0) -> None:
    """Close every Bot (its HTTP connections) and stop the loop; the next `call` starts afresh."""
    global _current
    with _lock:
        current, _current = _current, None
    if current is not None and current.pid == os.getpid():
        current.close(timeout)


def _forget_after_fork() -> None:
    # The child has no loop thread, and the lock may have been held by a thread that is not there.
    global _current, _lock
    _current, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(shutdown)
