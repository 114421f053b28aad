"""The databases a test can run on: a SQLite file or a fresh PostgreSQL database per test.

Each backend gives the test its store (`open()`, again after a "restart") and a way to read
rows straight from the database (`rows()`), so one test checks both stores alike.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.factory import ClosableStore, open_store
from bot.storage.postgres import PostgresStore

BACKENDS = ("sqlite", "postgres")
_numbers = itertools.count(1)


class Database(Protocol):
    """One test's database, whichever store it belongs to."""

    @property
    def target(self) -> str:
        """What QUIZBOT_DB / --db would say to open it."""
        ...

    async def open(self) -> ClosableStore:
        """Open the store (again) on this database."""
        ...

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run a query written with `?` placeholders straight on the database."""
        ...

    async def columns(self) -> dict[str, set[str]]:
        """Every table of the schema with its column names."""
        ...


@dataclass
class SqliteDatabase:
    """A SQLite file in the test's folder."""

    path: Path

    @property
    def target(self) -> str:
        """The file's path."""
        return str(self.path)

    async def open(self) -> ClosableStore:
        """A SqliteStore on the file."""
        return await open_store(self.path)

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows read with the standard library, outside the store."""
        with closing(sqlite3.connect(self.path)) as conn, conn:
            return [tuple(row) for row in conn.execute(sql, params).fetchall()]

    async def columns(self) -> dict[str, set[str]]:
        """Tables and columns from sqlite_master (SQLite's own tables left out)."""
        found = await self.rows(
            "SELECT m.name, c.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c "
            "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        )
        tables: dict[str, set[str]] = {}
        for table, column in found:
            tables.setdefault(table, set()).add(column)
        return tables


@dataclass
class PostgresDatabase:
    """A fresh database on the test server, created from the migrated template."""

    url: str

    @property
    def target(self) -> str:
        """The database's URL."""
        return self.url

    async def open(self) -> ClosableStore:
        """A PostgresStore on the database."""
        return await PostgresStore.open(self.url)

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows read with a connection of its own, outside the store."""
        numbered = iter(itertools.count(1))
        text = re.sub(r"\?", lambda _: f"${next(numbered)}", sql)
        conn = await asyncpg.connect(self.url)
        try:
            return [tuple(record) for record in await conn.fetch(text, *params)]
        finally:
            await conn.close()

    async def columns(self) -> dict[str, set[str]]:
        """Tables and columns from information_schema."""
        found = await self.rows(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        tables: dict[str, set[str]] = {}
        for table, column in found:
            tables.setdefault(table, set()).add(column)
        return tables


@dataclass
class PgCluster:
    """A PostgreSQL server the tests may create databases on, as its superuser."""

    admin_url: str
    template: str | None = None
    created: list[str] = field(default_factory=list)

    def url(self, database: str) -> str:
        """The admin URL pointed at another database."""
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    def prepare_template(self) -> None:
        """Create the migrated template every test database is copied from."""
        name = f"quizbot_template_{os.getpid()}_{next(_numbers)}"
        asyncio.run(self._create_template(name))
        self.template = name

    async def _create_template(self, name: str) -> None:
        await self.execute(f'CREATE DATABASE "{name}"')
        store = await PostgresStore.open(self.url(name))
        await store.close()

    async def create(self, *, migrated: bool = True) -> str:
        """A new database (a copy of the migrated template, or empty); returns its URL."""
        # The pid keeps runs sharing one server (QUIZBOT_TEST_PG_URL) apart.
        name = f"quizbot_test_{os.getpid()}_{next(_numbers)}"
        template = self.template if migrated else "template0"
        await self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        """Drop every database the session made (on a server that outlives it)."""
        names = [*self.created, *([self.template] if self.template else [])]

        async def drop() -> None:
            for name in names:
                await self.drop(self.url(name))

        asyncio.run(drop())

    async def drop(self, url: str) -> None:
        """Drop a test database, closing whatever still uses it."""
        name = urlsplit(url).path.lstrip("/")
        await self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def execute(self, sql: str) -> None:
        """Run one statement as the superuser on the admin database."""
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
