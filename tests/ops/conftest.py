"""The ops commands (backup, export, health) work on SQLite files: their tests use SQLite only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databases import Database, SqliteDatabase


@pytest.fixture
def database(db_path: Path) -> Database:
    """The test's SQLite file."""
    return SqliteDatabase(db_path)
