"""`quizbot health` on PostgreSQL: is the server reachable and the schema the one we expect?"""

from __future__ import annotations

import asyncio

import asyncpg

from bot.storage.pg_connect import CONNECT_TIMEOUT_S, redacted
from bot.storage.pg_migrate import newest_pg_version


def check_pg_database(url: str) -> tuple[bool, str]:
    """(healthy, one-line reason) for the database at `url`; changes nothing."""
    return asyncio.run(_check(url))


async def _check(url: str) -> tuple[bool, str]:
    where = redacted(url)
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return False, f"cannot reach PostgreSQL at {where}: {exc}"
    try:
        exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
        version = await conn.fetchval("SELECT MAX(version) FROM schema_version") if exists else 0
    except asyncpg.PostgresError as exc:
        return False, f"cannot read PostgreSQL at {where}: {exc}"
    finally:
        await conn.close()
    newest = newest_pg_version()
    if not version:
        return False, f"database {where} has no quizbot schema (the bot never ran on it)"
    if version != newest:
        return (
            False,
            f"database {where} is at schema version {version}, this quizbot expects {newest}",
        )
    return True, f"database ok (PostgreSQL, schema version {version})"
