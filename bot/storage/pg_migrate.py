"""PostgreSQL schema migrations: numbered .sql files in schema_version, one process at a time."""

from __future__ import annotations

import logging
import re
from importlib import resources
from typing import Any

import asyncpg

from bot.storage.preflight import DatabaseRefused

log = logging.getLogger(__name__)

# Any constant works as long as every quizbot process uses the same one: processes that
# start together queue on it, and the first to get it applies what is missing.
MIGRATE_LOCK = 0x71756978_00000001

_CREATE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


def pg_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every bundled PostgreSQL migration, in version order."""
    found = []
    for entry in resources.files("bot.storage.pg_migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_\w+\.sql", entry.name)
        if match:
            found.append((int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def newest_pg_version() -> int:
    """The schema version this quizbot brings PostgreSQL databases to."""
    return max((version for version, _, _ in pg_migrations()), default=0)


async def migrate_pg(conn: asyncpg.Connection[Any]) -> int:
    """Bring the schema up to date under an advisory lock; each migration commits whole."""
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATE_LOCK)
    try:
        return await _migrate_locked(conn)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATE_LOCK)


async def _migrate_locked(conn: asyncpg.Connection[Any]) -> int:
    tables = await public_tables(conn)
    if tables and "schema_version" not in tables:
        raise DatabaseRefused(
            f"the PostgreSQL database holds another program's tables "
            f"({', '.join(sorted(tables)[:5])}); quizbot will not change it"
        )
    await conn.execute(_CREATE_VERSION_TABLE)
    current = int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
    known = pg_migrations()
    newest = known[-1][0] if known else 0
    if current > newest:
        raise DatabaseRefused(
            f"the PostgreSQL schema is version {current}, newer than this quizbot knows "
            f"({newest}): upgrade quizbot or use another database"
        )
    level = logging.INFO if current else logging.DEBUG
    for version, name, sql in known:
        if version <= current:
            continue
        log.log(level, "applying migration %s", name)
        async with conn.transaction():
            await conn.execute(sql)
            await conn.execute(
                "INSERT INTO schema_version (version, name) VALUES ($1, $2)", version, name
            )
        current = version
    return current


async def public_tables(conn: asyncpg.Connection[Any]) -> set[str]:
    """Names of the tables in the connection's current schema."""
    rows = await conn.fetch(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    return {str(row[0]) for row in rows}
