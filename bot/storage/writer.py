"""The single writer: every write runs here, and whatever is queued commits together.

One aiosqlite connection is one transaction at a time, so handlers that each
BEGIN/COMMIT on it would interleave their statements and one handler's rollback
would undo another's rows. Funnelling all writes through one task keeps each job
isolated (a SAVEPOINT per job) while a burst of answers shares one commit
(group commit): the commit, and its fsync, are paid once per batch, not per answer.

A batch of answers alone (what a click burst makes) is one call on the connection's
thread, transaction and all: each call there costs a turn of the event loop to come back,
and under a burst one turn can take a good part of a second.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MAX_BATCH = 5000


@dataclass
class _Job:
    run: Callable[[], Awaitable[Any]]
    future: asyncio.Future[Any]


@dataclass
class _Row:
    """An answer row, batched with its neighbours into one executemany."""

    post_id: int
    values: tuple[Any, ...]
    future: asyncio.Future[bool] = field(repr=False)


class StoreClosed(RuntimeError):
    """The store is shutting down and takes no more writes."""


class Writer:
    """Owns all writes on the shared connection; `start()` before use, `close()` to drain."""

    def __init__(self, conn: aiosqlite.Connection, upsert_answer_sql: str) -> None:
        self._conn = conn
        self._upsert_sql = upsert_answer_sql
        self._queue: asyncio.Queue[_Job | _Row | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        """Begin processing the queue."""
        self._task = asyncio.create_task(self._run(), name="quizbot-store-writer")

    async def run_job(self, run: Callable[[], Awaitable[Any]]) -> Any:
        """Run a job in the next transaction; returns its result once committed."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._put(_Job(run, future))
        return await future

    async def answer(self, post_id: int, values: tuple[Any, ...]) -> bool:
        """Upsert one answer row; True once committed, False if the post was closed."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._put(_Row(post_id, values, future))
        return await future

    async def close(self) -> None:
        """Commit everything already queued, then stop."""
        if self._closing:
            return
        self._closing = True
        self._queue.put_nowait(None)
        if self._task is not None:
            await self._task

    def _put(self, item: _Job | _Row) -> None:
        if self._closing:
            raise StoreClosed("the store is closing")
        self._queue.put_nowait(item)

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Job | _Row] = []
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

    async def _commit(self, batch: list[_Job | _Row]) -> None:
        if all(isinstance(item, _Row) for item in batch):
            await self._commit_answers(batch)  # type: ignore[arg-type]
            return
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
            index = 0
            while index < len(batch):
                item = batch[index]
                if isinstance(item, _Row):
                    rows: list[_Row] = []
                    while index < len(batch) and isinstance(batch[index], _Row):
                        rows.append(batch[index])  # type: ignore[arg-type]
                        index += 1
                    outcomes.extend(await self._write_answers(rows))
                else:
                    outcomes.append(await self._run_isolated(item))
                    index += 1
            await self._conn.execute("COMMIT")
        except BaseException as exc:  # every waiter must hear of the failure
            log.exception("write transaction failed; %d queued writes rolled back", len(batch))
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            for item in batch:
                _settle(item.future, None, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for future, result, error in outcomes:
            _settle(future, result, error)

    async def _run_isolated(
        self, job: _Job
    ) -> tuple[asyncio.Future[Any], Any, BaseException | None]:
        await self._conn.execute("SAVEPOINT job")
        try:
            result = await job.run()
        except Exception as exc:  # a failing job must not take its batch neighbours with it
            await self._conn.execute("ROLLBACK TO job")
            await self._conn.execute("RELEASE job")
            return job.future, None, exc
        await self._conn.execute("RELEASE job")
        return job.future, result, None

    async def _commit_answers(self, rows: list[_Row]) -> None:
        """A batch of answers only: its whole transaction in one call on the connection."""
        try:
            open_ids = await self._on_connection(self._answers_transaction, rows)
        except BaseException as exc:  # every waiter must hear of the failure
            log.exception("write transaction failed; %d queued answers rolled back", len(rows))
            for row in rows:
                _settle(row.future, None, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for row in rows:
            _settle(row.future, row.post_id in open_ids, None)

    async def _write_answers(
        self, rows: Sequence[_Row]
    ) -> list[tuple[asyncio.Future[Any], Any, None]]:
        open_ids = await self._on_connection(self._upsert_answers, rows)
        return [(row.future, row.post_id in open_ids, None) for row in rows]

    async def _on_connection(
        self, work: Callable[[sqlite3.Connection, Sequence[_Row]], set[int]], rows: Sequence[_Row]
    ) -> set[int]:
        """Run `work` on the connection's own thread, as aiosqlite runs each statement."""
        connection = self._conn

        def call() -> set[int]:
            return work(connection._conn, rows)

        # `_execute` is how aiosqlite queues each of its own calls for that thread; it has no
        # public twin (aiosqlite is pinned below 0.23, and every answer test runs this path).

        result: set[int] = await connection._execute(call)  # type: ignore[no-untyped-call]
        return result

    def _answers_transaction(self, conn: sqlite3.Connection, rows: Sequence[_Row]) -> set[int]:
        """BEGIN, upsert the answers of open posts, COMMIT; the ids of the open posts."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            open_ids = self._upsert_answers(conn, rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return open_ids

    def _upsert_answers(self, conn: sqlite3.Connection, rows: Sequence[_Row]) -> set[int]:
        """Upsert the answers whose post is open, in the running transaction; the open ids."""
        # The reveal runs in this same writer, so the state read here cannot change
        # before this batch commits: an answer is accepted only while its post is open.
        post_ids = sorted({row.post_id for row in rows})
        marks = ",".join("?" * len(post_ids))
        open_ids = {
            int(found[0])
            for found in conn.execute(
                f"SELECT post_id FROM posts WHERE post_id IN ({marks}) AND revealed_at IS NULL",
                post_ids,
            )
        }
        accepted = [row.values for row in rows if row.post_id in open_ids]
        if accepted:
            conn.executemany(self._upsert_sql, accepted)
        return open_ids


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    # The waiting handler may have been cancelled (e.g. its interaction timed out).
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
