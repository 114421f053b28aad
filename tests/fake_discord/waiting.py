"""Append-only event logs that tests can await on (no sleeps), and bot-error capture."""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
"""Default seconds to wait for anything; generous so slow CI does not flake."""


class WaitTimeout(AssertionError):
    """Raised when an awaited fake-Discord event does not happen in time."""


class ClientError(AssertionError):
    """Raised in pending waits when discord.py logs an unhandled exception from the bot."""


class ErrorHub:
    """Collects errors discord.py logs (e.g. "Ignoring exception in command") during a test.

    With ``fail_fast`` every pending wait fails at once with the logged traceback instead of
    running into its timeout.
    """

    def __init__(self, *, fail_fast: bool = True) -> None:
        self.fail_fast = fail_fast
        self.errors: list[str] = []
        self.context: Callable[[], str] = lambda: ""
        self._logs: weakref.WeakSet[EventLog[Any]] = weakref.WeakSet()

    def register(self, log: EventLog[Any]) -> None:
        """Let ``report`` fail this log's waiters."""
        self._logs.add(log)

    def report(self, text: str) -> None:
        """Record an error and, if failing fast, fail all pending waits with it."""
        self.errors.append(text)
        if self.fail_fast:
            for log in list(self._logs):
                log.fail_waiters(ClientError(f"the bot raised while handling Discord:\n{text}"))

    def summary(self) -> str:
        """Describe recorded errors and the fake's context (failed requests) for timeouts."""
        text = self.context()
        if self.errors:
            text += "\nerrors logged by discord.py:\n" + "\n".join(self.errors)
        return text


class ErrorCapture(logging.Handler):
    """A logging handler on the ``discord`` logger feeding ERROR records to an ``ErrorHub``."""

    def __init__(self, hub: ErrorHub, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(level=logging.ERROR)
        self.hub = hub
        self.loop = loop
        self.thread_id = threading.get_ident()
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        """Forward the formatted record (thread-safely) to the hub."""
        text = self.format(record)
        if threading.get_ident() == self.thread_id:
            self.hub.report(text)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.hub.report, text)


class EventLog(Generic[T]):
    """A list of events plus futures that resolve when a matching event is appended."""

    def __init__(self, description: str, hub: ErrorHub | None = None) -> None:
        self.description = description
        self.items: list[T] = []
        self.hub = hub
        self._waiters: list[tuple[Callable[[T], bool], asyncio.Future[T]]] = []
        if hub is not None:
            hub.register(self)

    def __len__(self) -> int:
        return len(self.items)

    def append(self, item: T) -> None:
        """Record ``item`` and wake every waiter whose predicate accepts it."""
        self.items.append(item)
        still_waiting: list[tuple[Callable[[T], bool], asyncio.Future[T]]] = []
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                matched = predicate(item)
            except Exception as exc:
                future.set_exception(exc)
                continue
            if matched:
                future.set_result(item)
            else:
                still_waiting.append((predicate, future))
        self._waiters = still_waiting

    def fail_waiters(self, exc: BaseException) -> None:
        """Fail every pending wait with ``exc``."""
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(exc)
        self._waiters = []

    async def wait_for(
        self,
        predicate: Callable[[T], bool] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
        what: str = "event",
    ) -> T:
        """Return the first event from index ``start`` matching ``predicate``, waiting if needed."""
        check: Callable[[T], bool] = predicate if predicate is not None else (lambda _: True)
        for item in self.items[start:]:
            if check(item):
                return item
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters.append((check, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seen = "\n  ".join(repr(i) for i in self.items[start:][-10:]) or "(nothing)"
            errors = self.hub.summary() if self.hub is not None else ""
            raise WaitTimeout(
                f"timed out after {timeout}s waiting for {what} in {self.description}; "
                f"last events seen:\n  {seen}{errors}"
            ) from None
        finally:
            if not future.done():
                future.cancel()
