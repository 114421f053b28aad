"""The heartbeat the running bot writes, and `check_health`'s verdict for each outcome."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ops.cli import health_command
from bot.ops.health import check_health
from bot.ops.heartbeat import (
    MAX_AGE_S,
    beat_forever,
    heartbeat,
    heartbeat_path,
    read_heartbeat,
    write_heartbeat,
)
from bot.storage.migrate import migrations
from bot.storage.sqlite import SqliteStore
from tests.fakes import FakeClock

NEWEST = migrations()[-1][0]

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC).timestamp()


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    """A migrated database, closed again (as a stopped bot leaves it)."""
    path = tmp_path / "quizbot.db"
    store = await SqliteStore.open(path)
    await store.close()
    return path


async def wait_for(condition: Callable[[], bool], attempts: int = 2000) -> None:
    """Poll the file system (there is no event to wait on) until `condition()` holds."""
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the condition never held")


def test_heartbeat_sits_next_to_the_database() -> None:
    assert heartbeat_path(Path("/data/quizbot.db")) == Path("/data/quizbot.db.heartbeat")


def test_write_heartbeat_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "quizbot.db.heartbeat"
    write_heartbeat(path, 100.0)
    write_heartbeat(path, NOW)

    assert read_heartbeat(path) == NOW
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "no temp file left"


async def test_beat_forever_writes_at_once_and_then_every_interval(tmp_path: Path) -> None:
    path = tmp_path / "quizbot.db.heartbeat"
    clock = FakeClock(datetime.fromtimestamp(NOW, UTC))
    task = asyncio.create_task(beat_forever(path, 0.01, clock))
    try:
        await wait_for(path.exists, attempts=10_000)
        assert read_heartbeat(path) == NOW
        clock.advance(seconds=30)
        await wait_for(lambda: read_heartbeat(path) == NOW + 30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_beat_forever_skips_beats_while_not_alive(tmp_path: Path) -> None:
    path = tmp_path / "quizbot.db.heartbeat"
    clock = FakeClock(datetime.fromtimestamp(NOW, UTC))
    ready = False
    task = asyncio.create_task(beat_forever(path, 0.001, clock, alive=lambda: ready))
    try:
        await asyncio.sleep(0.02)
        assert not path.exists(), "no beat before the client is ready"
        ready = True
        await wait_for(path.exists, attempts=10_000)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_beat_forever_survives_a_failed_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "gone" / "quizbot.db.heartbeat"
    clock = FakeClock(datetime.fromtimestamp(NOW, UTC))
    task = asyncio.create_task(beat_forever(path, 0.001, clock))
    try:
        await wait_for(lambda: "cannot write heartbeat" in caplog.text)
        assert not task.done()
        path.parent.mkdir()
        await wait_for(path.exists, attempts=10_000)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_heartbeat_block_beats_until_it_ends(db: Path) -> None:
    clock = FakeClock(datetime.fromtimestamp(NOW, UTC))
    async with heartbeat(db, clock, interval=0.001) as path:
        await wait_for(path.exists, attempts=10_000)
        assert check_health(db, path, MAX_AGE_S, NOW)[0]
        clock.advance(seconds=5)
        await wait_for(lambda: read_heartbeat(path) == NOW + 5)
    clock.advance(seconds=600)
    await asyncio.sleep(0.01)
    assert read_heartbeat(path) == NOW + 5, "no beat after the block"
    assert check_health(db, path, MAX_AGE_S, NOW + 600)[1].startswith("heartbeat is stale")


def test_healthy_with_a_fresh_heartbeat(db: Path) -> None:
    beat = heartbeat_path(db)
    write_heartbeat(beat, NOW - 20)

    ok, message = check_health(db, beat, MAX_AGE_S, NOW)

    assert ok, message
    assert message == f"database ok (schema version {NEWEST}); last heartbeat 20 s ago"


def test_database_alone_without_a_heartbeat(db: Path) -> None:
    assert check_health(db, None, MAX_AGE_S, NOW) == (
        True,
        f"database ok (schema version {NEWEST})",
    )


async def test_healthy_while_the_bot_has_the_database_open(tmp_path: Path) -> None:
    path = tmp_path / "quizbot.db"
    store = await SqliteStore.open(path)
    try:
        write_heartbeat(heartbeat_path(path), NOW)
        ok, message = check_health(path, heartbeat_path(path), MAX_AGE_S, NOW)
    finally:
        await store.close()
    assert ok, message


def empty_database(path: Path) -> None:
    """A valid SQLite file without quizbot's schema."""
    sqlite3.connect(path).close()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE unrelated (x)")
    conn.close()


def older_schema(path: Path) -> None:
    """Quizbot's tables, but a schema version behind the code."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(
            "CREATE TABLE guilds (x); CREATE TABLE posts (x); CREATE TABLE answers (x);"
            "CREATE TABLE member_stats (x); CREATE TABLE level_stats (x);"
            "PRAGMA user_version = 0;"
        )
    conn.close()


def newer_schema(path: Path) -> None:
    """Quizbot's tables at a version this code does not know."""
    older_schema(path)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (None, "there is no database at"),
        (
            lambda p: p.write_bytes(b"this is not a database, just text " * 200),
            "is not a SQLite database",
        ),
        (empty_database, "is a SQLite database of another program (tables: unrelated)"),
        (older_schema, "has no quizbot schema (version 0, missing: none)"),
        (newer_schema, "has schema version 99, newer than this quizbot knows"),
    ],
    ids=["missing", "not-sqlite", "no-schema", "version-zero", "newer-schema"],
)
def test_unhealthy_database(tmp_path: Path, make: object, reason: str) -> None:
    path = tmp_path / "quizbot.db"
    if callable(make):
        make(path)
    beat = heartbeat_path(path)
    write_heartbeat(beat, NOW)

    ok, message = check_health(path, beat, MAX_AGE_S, NOW)

    assert not ok
    assert reason in message
    assert str(path) in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no heartbeat at"),
        (f"{NOW - MAX_AGE_S - 1:.3f}\n", "heartbeat is stale: last beat 91 s ago (limit 90 s)"),
        ("garbage\n", "cannot read heartbeat"),
    ],
    ids=["missing", "stale", "garbled"],
)
def test_unhealthy_heartbeat(db: Path, content: str | None, reason: str) -> None:
    beat = heartbeat_path(db)
    if content is not None:
        beat.write_text(content, encoding="ascii")

    ok, message = check_health(db, beat, MAX_AGE_S, NOW)

    assert not ok
    assert reason in message


def test_health_command_exit_codes(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_heartbeat(heartbeat_path(db), NOW - 5)
    assert health_command(db, now=NOW) == 0
    assert capsys.readouterr().out.startswith("healthy: database ok")

    assert health_command(db, now=NOW + 600) == 1
    assert capsys.readouterr().err.startswith("unhealthy: heartbeat is stale")

    assert health_command(db, heartbeat=False, now=NOW + 600) == 0


async def test_the_first_beat_follows_the_connection_not_an_interval_later(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.db.heartbeat"
    connected = False
    beating = asyncio.create_task(
        beat_forever(
            path, 3600, FakeClock(datetime(2026, 11, 24, tzinfo=UTC)), alive=lambda: connected
        )
    )
    try:
        await asyncio.sleep(0)
        assert not path.exists(), "no beat before the connection is up"
        connected = True
        await wait_for(path.exists, attempts=10_000)
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
