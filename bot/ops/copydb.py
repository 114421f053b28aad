"""`quizbot migrate-db SRC DEST`: copy a whole database between SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sys

from bot.storage.copy import copy_database
from bot.storage.pg_connect import redacted
from bot.storage.preflight import DatabaseRefused


def migrate_db_command(source: str, dest: str) -> int:
    """Copy and verify: 0 with a per-table summary, 2 with one line when refused."""
    try:
        checks = asyncio.run(copy_database(source, dest))
    except DatabaseRefused as exc:
        print(f"quizbot: migrate-db: {exc}", file=sys.stderr)
        return 2
    for check in checks:
        print(f"  {check.table:<16} {check.rows:>9} rows")
    total = sum(check.rows for check in checks)
    print(
        f"copied {total} rows from {redacted(source)} to {redacted(dest)}; "
        "row counts and column totals match in every table"
    )
    return 0
