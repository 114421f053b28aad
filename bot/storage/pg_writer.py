"""Group commit for answers on PostgreSQL: whatever is queued goes in as one statement.

A burst of answers would otherwise cost one round trip and one WAL flush each, on as
many pooled connections as it can grab. Queueing them behind one in-flight statement
keeps a member's answers in the order they arrived (the last one counts) and pays the
trip and the flush once per batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg

from bot.storage.writer import StoreClosed

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH = 5000
ATTEMPTS = 3
# Transactions of several processes may lock the same rows in different orders; PostgreSQL
# then aborts one of them, which is safe to run again from the start.
TRANSIENT = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


async def retrying(run: Callable[[], Awaitable[T]]) -> T:
    """Run `run`, again when PostgreSQL aborted it for a deadlock or a serialization failure."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await run()
        except TRANSIENT:
            if attempt == ATTEMPTS:
                raise
            log.info("transaction aborted by a lock conflict; retrying (%d)", attempt)
    raise AssertionError("unreachable")


@dataclass
class _Row:
    post_id: int
    values: tuple[Any, ...]
    future: asyncio.Future[bool] = field(repr=False)


class AnswerBatcher:
    """Upserts answers in batches; `start()` before use, `close()` to drain."""

    def __init__(self, pool: asyncpg.Pool[Any], upsert_many_sql: str) -> None:
        self._pool = pool
        self._sql = upsert_many_sql
        self._queue: asyncio.Queue[_Row | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        """Begin processing the queue."""
        self._task = asyncio.create_task(self._run(), name="quizbot-pg-answers")

    async def answer(self, post_id: int, values: tuple[Any, ...]) -> bool:
        """Upsert one answer row; True once committed, False if the post was closed."""
        if self._closing:
            raise StoreClosed("the store is closing")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Row(post_id, values, future))
        return await future

    async def close(self) -> None:
        """Commit everything already queued, then stop."""
        if self._closing:
            return
        self._closing = True
        self._queue.put_nowait(None)
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Row] = []
            item = await self._queue.get()
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                if self._queue.empty() or len(batch) >= MAX_BATCH:
                    break
                item = self._queue.get_nowait()
            if batch:
                await self._commit(batch)

    async def _commit(self, batch: list[_Row]) -> None:
        # One statement may not update a row twice: a member's later answer replaces the
        # earlier one here already, exactly as consecutive upserts would.
        latest: dict[tuple[Any, Any], tuple[Any, ...]] = {}
        for row in batch:
            latest[row.values[0], row.values[1]] = row.values
        columns = [list(column) for column in zip(*latest.values(), strict=True)]
        try:
            accepted = await retrying(lambda: self._pool.fetch(self._sql, *columns))
        except BaseException as exc:  # every waiter must hear of the failure
            log.exception("answer batch failed; %d answers not committed", len(batch))
            for row in batch:
                if not row.future.done():
                    row.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        open_ids = {int(record[0]) for record in accepted}
        for row in batch:
            # The waiting handler may have been cancelled (e.g. its interaction timed out).
            if not row.future.done():
                row.future.set_result(row.post_id in open_ids)
