"""Read-only SQLite connections for tools that run beside the bot and must never write."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def readonly_uri(path: Path) -> str:
    """A `file:` URI that opens `path` read-only and never creates it."""
    # as_uri percent-encodes '?', '#' and spaces that would otherwise end the path.
    return f"{path.resolve().as_uri()}?mode=ro"


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open an existing database read-only; sqlite3.OperationalError if it cannot be opened."""
    # Autocommit: a reader begins its own transaction when it needs one snapshot.
    conn = sqlite3.connect(readonly_uri(path), uri=True, timeout=5.0, isolation_level=None)
    try:
        # Opening is lazy: touching the schema makes a missing or non-database file fail now.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn
