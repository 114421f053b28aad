"""`open_store`: the one place that picks SQLite or PostgreSQL from the database setting."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bot.core.ports import Store
from bot.storage.pg_connect import is_postgres_url

SQLITE_PREFIX = "sqlite:///"


class ClosableStore(Store, Protocol):
    """A store the process opened and must close (which drains queued writes)."""

    async def close(self) -> None:
        """Commit queued writes, then release connections."""
        ...


def sqlite_path(target: str | Path) -> Path:
    """The file named by a plain path or a sqlite:/// URL."""
    text = str(target)
    return Path(text[len(SQLITE_PREFIX) :] if text.startswith(SQLITE_PREFIX) else text)


async def open_store(target: str | Path) -> ClosableStore:
    """Open the store that `target` names: a postgresql:// URL, else a SQLite file.

    Raises DatabaseRefused, with a one-line reason, for a database quizbot must not use.
    """
    if is_postgres_url(target):
        from bot.storage.postgres import PostgresStore

        return await PostgresStore.open(str(target))
    from bot.storage.sqlite import SqliteStore

    return await SqliteStore.open(sqlite_path(target))
