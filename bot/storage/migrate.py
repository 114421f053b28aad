"""Schema migrations: numbered .sql files applied in order, tracked by PRAGMA user_version."""

from __future__ import annotations

import logging
import re
from importlib import resources

import aiosqlite

log = logging.getLogger(__name__)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every bundled migration, in version order."""
    found = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_\w+\.sql", entry.name)
        if match:
            found.append((int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(conn: aiosqlite.Connection) -> int:
    """Bring the schema up to date; each migration commits with its version or not at all."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    known = migrations()
    newest = known[-1][0] if known else 0
    if current > newest:
        raise RuntimeError(
            f"the database schema is version {current}, newer than this quizbot knows "
            f"({newest}); upgrade quizbot or use another database file"
        )
    # Upgrading a database someone already has is news; creating a fresh one is not.
    level = logging.INFO if current else logging.DEBUG
    for version, name, sql in known:
        if version <= current:
            continue
        log.log(level, "applying migration %s", name)
        # executescript would commit on its own; wrapping the script keeps it atomic.
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version:d};\nCOMMIT;"
            )
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        current = version
    return current
