"""`quizbot health`: is the database readable with its schema, and is the bot beating?"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.ops.heartbeat import read_heartbeat
from bot.ops.pg_health import check_pg_database
from bot.ops.readonly import connect_readonly
from bot.storage.factory import sqlite_path
from bot.storage.migrate import migrations
from bot.storage.pg_connect import is_postgres_url
from bot.storage.preflight import DatabaseRefused, check_database_file

# Tables every schema version has; a file without them is not (yet) a quizbot database.
REQUIRED_TABLES = frozenset({"guilds", "posts", "answers", "member_stats", "level_stats"})


def check_health(
    db: str | Path, heartbeat: Path | None, max_age_s: int, now: float
) -> tuple[bool, str]:
    """(healthy, one-line reason); `heartbeat` None checks the database alone."""
    if is_postgres_url(db):
        ok, message = check_pg_database(str(db))
    else:
        ok, message = _check_database(sqlite_path(db))
    if not ok or heartbeat is None:
        return ok, message
    try:
        beat = read_heartbeat(heartbeat)
    except FileNotFoundError:
        return False, f"no heartbeat at {heartbeat}: the bot is not running (or not yet ready)"
    except (OSError, ValueError) as exc:
        return False, f"cannot read heartbeat {heartbeat}: {exc}"
    age = now - beat
    if age > max_age_s:
        return False, f"heartbeat is stale: last beat {age:.0f} s ago (limit {max_age_s} s)"
    return True, f"{message}; last heartbeat {max(age, 0):.0f} s ago"


def _check_database(db: Path) -> tuple[bool, str]:
    try:
        # Includes PRAGMA quick_check: zeroed or truncated pages are not healthy.
        check_database_file(db, create=False)
    except DatabaseRefused as exc:
        return False, str(exc)
    try:
        conn = connect_readonly(db)
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            tables = {
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = ?", ("table",)
                )
            }
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return False, f"cannot open database {db} read-only: {exc}"
    newest = max((number for number, _, _ in migrations()), default=0)
    missing = REQUIRED_TABLES - tables
    if version == 0 or missing:
        absent = ", ".join(sorted(missing)) or "none"
        return False, f"database {db} has no quizbot schema (version {version}, missing: {absent})"
    if version != newest:
        return False, f"database {db} is at schema version {version}, this quizbot expects {newest}"
    return True, f"database ok (schema version {version})"
