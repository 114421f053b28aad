"""PostgreSQL schema migrations: applied once, under a lock, refusing what is not ours."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from bot.__main__ import main
from bot.storage.factory import open_store
from bot.storage.pg_connect import redacted
from bot.storage.pg_migrate import pg_migrations
from bot.storage.postgres import PostgresStore
from bot.storage.preflight import DatabaseRefused
from tests.databases import PgCluster, PostgresDatabase, SqliteDatabase
from tests.pg_server import free_port
from tests.storage.old_databases import BOARD_AFTER, OLD_ANSWERS


async def fetch(url: str, sql: str) -> list[tuple[object, ...]]:
    conn = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await conn.fetch(sql)]
    finally:
        await conn.close()


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [version for version, _, _ in pg_migrations()]
    assert versions == list(range(1, len(versions) + 1))


async def test_an_empty_database_gets_the_newest_schema(pg_cluster: PgCluster) -> None:
    url = await pg_cluster.create(migrated=False)
    store = await open_store(url)
    await store.close()
    rows = await fetch(url, "SELECT version, name FROM schema_version ORDER BY version")
    assert rows == [(version, name) for version, name, _ in pg_migrations()]
    tables = {row[0] for row in await fetch(url, "SELECT tablename FROM pg_tables")}
    assert {"guilds", "posts", "answers", "member_stats", "level_stats", "bags"} <= tables


async def test_processes_starting_together_migrate_once(pg_cluster: PgCluster) -> None:
    url = await pg_cluster.create(migrated=False)
    stores = await asyncio.gather(*(PostgresStore.open(url) for _ in range(4)))
    for store in stores:
        await store.close()
    again = await PostgresStore.open(url)
    await again.close()
    rows = await fetch(url, "SELECT version FROM schema_version ORDER BY version")
    assert rows == [(version,) for version, _, _ in pg_migrations()]


async def test_a_newer_schema_is_refused_in_one_line(pg_cluster: PgCluster) -> None:
    url = await pg_cluster.create()
    await fetch(url, "INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')")
    with pytest.raises(
        DatabaseRefused, match=r"schema is version 999, newer than this quizbot"
    ) as e:
        await PostgresStore.open(url)
    assert "\n" not in str(e.value)


async def test_another_programs_database_is_left_untouched(pg_cluster: PgCluster) -> None:
    url = await pg_cluster.create(migrated=False)
    await fetch(url, "CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(DatabaseRefused, match=r"another program's tables \(invoices\)"):
        await PostgresStore.open(url)
    tables = {row[0] for row in await fetch(url, "SELECT tablename FROM pg_tables")}
    assert "schema_version" not in tables


async def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    url = f"postgresql://quiz:hunter2@127.0.0.1:{free_port()}/quiz"
    with pytest.raises(DatabaseRefused, match="cannot reach PostgreSQL at") as refused:
        await open_store(url)
    assert "hunter2" not in str(refused.value)
    assert "\n" not in str(refused.value)


async def test_a_missing_database_says_so(pg_cluster: PgCluster) -> None:
    with pytest.raises(DatabaseRefused, match="the database does not exist"):
        await open_store(pg_cluster.url("no_such_database"))


def test_redacted_hides_only_the_password() -> None:
    assert redacted("postgresql://quiz:s3cret@db:5432/quiz") == "postgresql://quiz:***@db:5432/quiz"
    assert redacted("postgresql://quiz@db/quiz") == "postgresql://quiz@db/quiz"


async def test_repr_names_no_url_or_secret(pg_cluster: PgCluster) -> None:
    store = await PostgresStore.open(await pg_cluster.create())
    try:
        assert repr(store) == "PostgresStore()"
    finally:
        await store.close()


async def migrated_by_hand(pg_cluster: PgCluster, upto: int, rows: str) -> str:
    """A database at schema version `upto`, as an older quizbot left it, holding `rows`."""
    url = await pg_cluster.create(migrated=False)
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(
                "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            for version, name, sql in pg_migrations():
                if version <= upto:
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO schema_version (version, name) VALUES ($1, $2)", version, name
                    )
            await conn.execute(rows)
    finally:
        await conn.close()
    return url


async def test_upgrading_a_first_version_database_adds_guild_names(
    pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await migrated_by_hand(
        pg_cluster,
        1,
        "INSERT INTO guilds (guild_id, platform, channel_id, post_time, timezone, "
        "daily_reveal_s, draw_reveal_s, difficulty, days) "
        "VALUES ('g', 'slack', 'c', '09:00', 'UTC', 28800, 60, 'mixed', '0,1,2,3,4')",
    )
    # `quizbot guilds` reads a database the bot has not upgraded yet: names are unknown.
    assert await asyncio.to_thread(main, ["guilds", "--db", url]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == ["slack", "g", "-", "0", "0", "c"]

    store = await PostgresStore.open(url)
    try:
        config = await store.guild("g")
    finally:
        await store.close()
    assert config is not None
    assert config.channel_id == "c"
    versions = await fetch(url, "SELECT version FROM schema_version ORDER BY version")
    assert versions == [(version,) for version, _, _ in pg_migrations()]
    assert await fetch(url, "SELECT guild_id, name FROM guilds") == [("g", None)]


async def test_both_stores_have_the_same_tables_and_columns(
    pg_database: PostgresDatabase, tmp_path: Path
) -> None:
    sqlite = SqliteDatabase(tmp_path / "schema.db")
    store = await sqlite.open()
    await store.close()
    on_sqlite, on_postgres = await sqlite.columns(), await pg_database.columns()
    # PostgreSQL's own additions: its migration log, and leases on work several processes share.
    assert on_postgres.pop("schema_version") == {"version", "name", "applied_at"}
    assert on_postgres["posts"] - on_sqlite["posts"] == {"lease_owner", "lease_until"}
    on_postgres["posts"] -= {"lease_owner", "lease_until"}
    assert on_postgres == on_sqlite


async def test_upgrading_gives_members_who_scored_nothing_their_period_rows(
    pg_cluster: PgCluster,
) -> None:
    url = await migrated_by_hand(pg_cluster, 2, OLD_ANSWERS.format(true="TRUE", false="FALSE"))
    store = await PostgresStore.open(url)
    try:
        for period in ("2026-W48", "2026-11"):
            board = await store.top_points("g", period, 10)
            assert [(e.member_id, e.name, e.value) for e in board] == BOARD_AFTER, period
    finally:
        await store.close()
