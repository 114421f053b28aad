"""Schema migrations and the store's durability rules on real files."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.storage.migrate import migrations
from bot.storage.preflight import DatabaseRefused
from bot.storage.sqlite import SqliteStore
from tests.storage.old_databases import BOARD_AFTER, OLD_ANSWERS


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


async def test_upgrading_a_first_version_database_keeps_open_posts_working(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    [(_, _, first)] = [m for m in migrations() if m[0] == 1]
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(f"BEGIN;\n{first}\nPRAGMA user_version = 1;\nCOMMIT;")
        conn.execute(
            "INSERT INTO guilds (guild_id, platform, channel_id, post_time, timezone, "
            "daily_reveal_s, draw_reveal_s, difficulty, days, paused) "
            "VALUES ('g', 'discord', 'c', '09:00', 'UTC', 28800, 60, 'mixed', '0,1,2,3,4,5,6', 0)"
        )
        posts = [
            # A draw on screen, a daily the old version never got to show, a revealed daily.
            (1, "draw", "m1", None, None),
            (2, "daily", None, "2026-11-24", 2),
            (3, "daily", "m3", "2026-11-23", 1),
        ]
        for post_id, kind, message, day, seq in posts:
            conn.execute(
                "INSERT INTO posts (post_id, guild_id, platform, channel_id, message_id, kind, "
                "question_id, difficulty, choice_order, local_date, daily_seq, posted_at, "
                "reveal_at, revealed_at) VALUES (?, 'g', 'discord', 'c', ?, ?, 'q', 'mid', "
                "'0,1', ?, ?, 100, 200, ?)",
                (post_id, message, kind, day, seq, 150 if post_id == 3 else None),
            )
    store = await SqliteStore.open(path)
    await store.close()
    with closing(sqlite3.connect(path)) as conn, conn:
        shown = dict(conn.execute("SELECT post_id, delivered_at FROM posts").fetchall())
        seqs = dict(conn.execute("SELECT post_id, daily_seq FROM posts").fetchall())
        pending = conn.execute("SELECT post_id, kind, status, attempts FROM deliveries").fetchall()
        due = conn.execute("SELECT next_due_at FROM guilds").fetchone()
    assert shown == {1: 100, 2: None, 3: 100}, "what was on screen stays live"
    assert seqs == {1: None, 2: None, 3: 1}, "open dailies are numbered at their reveal"
    assert pending == [(2, "post", "pending", 1)], "the unsent daily is delivered (or found)"
    assert due == (0,), "the first tick works out the schedule and catches up"


async def test_upgrading_to_guild_names_keeps_the_guilds_and_names_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "v4.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        script = "".join(sql for version, _, sql in migrations() if version <= 4)
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = 4;\nCOMMIT;")
        conn.execute(
            "INSERT INTO guilds (guild_id, platform, channel_id, post_time, timezone, "
            "daily_reveal_s, draw_reveal_s, difficulty, days, paused) "
            "VALUES ('g', 'discord', 'c', '09:00', 'UTC', 28800, 60, 'mixed', '0,1,2,3,4,5,6', 0)"
        )
    # `quizbot guilds` reads a database the bot has not upgraded yet: names are unknown.
    assert main(["guilds", "--db", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == ["discord", "g", "-", "0", "0", "c"]

    store = await SqliteStore.open(path)
    try:
        config = await store.guild("g")
    finally:
        await store.close()
    assert config is not None
    assert config.channel_id == "c"
    with closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
        assert conn.execute("SELECT guild_id, name FROM guilds").fetchall() == [("g", None)]


async def test_upgrading_gives_members_who_scored_nothing_their_period_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v5.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        script = "".join(sql for version, _, sql in migrations() if version <= 5)
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = 5;\nCOMMIT;")
        conn.executescript(OLD_ANSWERS.format(true=1, false=0))
    store = await SqliteStore.open(path)
    try:
        for period in ("2026-W48", "2026-11"):
            board = await store.top_points("g", period, 10)
            assert [(e.member_id, e.name, e.value) for e in board] == BOARD_AFTER, period
    finally:
        await store.close()
