"""The single writer's group commit of answers, on a minimal schema."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.storage.writer import Writer

UPSERT = (
    "INSERT INTO answers (post_id, member_id, choice) VALUES (?, ?, ?) "
    "ON CONFLICT (post_id, member_id) DO UPDATE SET choice = excluded.choice"
)


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """A database with one open post (1) and one revealed post (2)."""
    connection = await aiosqlite.connect(str(tmp_path / "w.db"), isolation_level=None)
    await connection.executescript(
        "CREATE TABLE posts (post_id INTEGER PRIMARY KEY, revealed_at INTEGER);"
        "CREATE TABLE answers (post_id INTEGER NOT NULL, member_id TEXT NOT NULL,"
        " choice INTEGER NOT NULL CHECK (choice >= 0), PRIMARY KEY (post_id, member_id));"
        "INSERT INTO posts VALUES (1, NULL), (2, 5);"
    )
    yield connection
    await connection.close()


async def rows(conn: aiosqlite.Connection) -> list[tuple[Any, ...]]:
    found = await conn.execute_fetchall("SELECT * FROM answers ORDER BY post_id, member_id")
    return [tuple(row) for row in found]


async def test_a_burst_of_answers_commits_in_one_call_on_the_connection(
    conn: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = Writer(conn, UPSERT)
    calls: list[object] = []
    execute = conn._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(conn, "_execute", counted)
    writer.start()
    accepted = await asyncio.gather(
        *(writer.answer(1, (1, f"m{i}", i % 4)) for i in range(100)),
        writer.answer(2, (2, "late", 0)),
    )
    await writer.close()

    assert accepted == [True] * 100 + [False], "the revealed post refuses its answer"
    assert len(calls) == 1, "BEGIN, the open check, the upsert and COMMIT: one trip"
    assert len(await rows(conn)) == 100
    assert not conn.in_transaction


async def test_a_failing_batch_fails_every_waiter_and_rolls_back(
    conn: aiosqlite.Connection,
) -> None:
    writer = Writer(conn, UPSERT)
    writer.start()
    results = await asyncio.gather(
        writer.answer(1, (1, "alice", 0)),
        writer.answer(1, (1, "bob", -1)),  # breaks the CHECK: the whole batch fails
        return_exceptions=True,
    )
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results)
    assert await rows(conn) == []
    assert not conn.in_transaction

    assert await writer.answer(1, (1, "alice", 2)) is True, "the writer goes on"
    await writer.close()
    assert await rows(conn) == [(1, "alice", 2)]
