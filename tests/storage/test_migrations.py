"""Schema migrations and the store's durability rules on real files."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.storage.migrate import migrations
from bot.storage.preflight import DatabaseRefused
from bot.storage.sqlite import SqliteStore


async def test_fresh_database_gets_the_newest_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = await SqliteStore.open(path)
    await store.close()
    with closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert {"guilds", "posts", "answers", "member_stats", "period_points", "bags"} <= tables


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    for _ in range(2):
        store = await SqliteStore.open(path)
        await store.close()
    with closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]


async def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseRefused, match="schema version 999, newer than this quizbot knows"):
        await SqliteStore.open(path)


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [version for version, _, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1))


async def test_repr_names_no_path_or_secret(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "x.db")
    try:
        assert repr(store) == "SqliteStore()"
    finally:
        await store.close()
