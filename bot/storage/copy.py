"""Copy a whole quizbot database between stores (SQLite and PostgreSQL), then verify it.

Both ends are opened through their stores first, so each has the newest schema. Tables are
copied column by column where both schemas have the column (PostgreSQL's lease columns
stay empty in a copy from SQLite), in one transaction on the target, and then compared:
the same row count and the same sum of every numeric column, table by table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.factory import open_store, sqlite_path
from bot.storage.pg_connect import is_postgres_url, redacted
from bot.storage.preflight import DatabaseRefused

CHUNK = 5000
# Parents before the rows that refer to them; every other table follows in name order.
FIRST = ("guilds", "posts")
INTERNAL = frozenset({"schema_version"})


@dataclass(frozen=True)
class TableCheck:
    """What the copy found in one table on both ends."""

    table: str
    rows: int
    totals: dict[str, int]


class _Sqlite:
    def __init__(self, path: Path) -> None:
        self.name = str(path)
        self.conn = sqlite3.connect(str(path), isolation_level=None)

    async def columns(self) -> dict[str, list[tuple[str, bool]]]:
        tables = [
            row[0]
            for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found = {}
        for table in tables:
            info = self.conn.execute("SELECT name, type FROM pragma_table_info(?)", (table,))
            found[table] = [(name, "INT" in kind.upper()) for name, kind in info]
        return found

    async def count_and_sums(self, table: str, numeric: Sequence[str]) -> tuple[int, list[int]]:
        sums = "".join(f", COALESCE(SUM({_q(c)}), 0)" for c in numeric)
        row = self.conn.execute(f"SELECT COUNT(*){sums} FROM {_q(table)}").fetchone()
        return int(row[0]), [int(v) for v in row[1:]]

    async def read(self, table: str, columns: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        cursor = self.conn.execute(f"SELECT {_cols(columns)} FROM {_q(table)}")
        return list(iter(lambda: cursor.fetchmany(CHUNK), []))

    async def write(
        self, table: str, columns: Sequence[str], chunks: list[list[tuple[Any, ...]]]
    ) -> None:
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {_q(table)} ({_cols(columns)}) VALUES ({marks})"
        for chunk in chunks:
            self.conn.executemany(sql, chunk)

    async def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        self.conn.execute("COMMIT")

    async def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    async def close(self) -> None:
        self.conn.close()


class _Postgres:
    def __init__(self, url: str, conn: asyncpg.Connection[Any]) -> None:
        self.name = redacted(url)
        self.conn = conn
        self._tx: Any = None
        self._bools: set[tuple[str, str]] = set()

    async def columns(self) -> dict[str, list[tuple[str, bool]]]:
        rows = await self.conn.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        )
        found: dict[str, list[tuple[str, bool]]] = {}
        for table, column, kind in rows:
            numeric = kind in ("integer", "bigint", "smallint", "boolean")
            if kind == "boolean":
                self._bools.add((table, column))
            found.setdefault(table, []).append((column, numeric))
        return found

    async def count_and_sums(self, table: str, numeric: Sequence[str]) -> tuple[int, list[int]]:
        sums = "".join(
            f", COALESCE(SUM({_q(c)}{'::int' if (table, c) in self._bools else ''}), 0)"
            for c in numeric
        )
        row = await self.conn.fetchrow(f"SELECT COUNT(*){sums} FROM {_q(table)}")
        assert row is not None
        return int(row[0]), [int(v) for v in row[1:]]

    async def read(self, table: str, columns: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        rows = await self.conn.fetch(f"SELECT {_cols(columns)} FROM {_q(table)} ORDER BY 1")
        records = [tuple(row) for row in rows]
        return [records[i : i + CHUNK] for i in range(0, len(records), CHUNK)]

    async def write(
        self, table: str, columns: Sequence[str], chunks: list[list[tuple[Any, ...]]]
    ) -> None:
        flags = [i for i, c in enumerate(columns) if (table, c) in self._bools]
        for chunk in chunks:
            # SQLite keeps flags as 0/1; PostgreSQL's COPY wants booleans.
            records = [_with_bools(row, flags) for row in chunk] if flags else chunk
            await self.conn.copy_records_to_table(table, records=records, columns=list(columns))

    async def begin(self) -> None:
        self._tx = self.conn.transaction()
        await self._tx.start()

    async def commit(self) -> None:
        # Identity columns continue after the copied ids, as if the rows had been inserted.
        for table, column in await self.conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'"
        ):
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence($1, $2), "
                f"COALESCE((SELECT MAX({_q(column)}) FROM {_q(table)}), 0) + 1, false)",
                table,
                column,
            )
        await self._tx.commit()

    async def rollback(self) -> None:
        if self._tx is not None:
            await self._tx.rollback()

    async def close(self) -> None:
        await self.conn.close()


def _q(name: str) -> str:
    """A quoted identifier (names come from the schemas, never from a user)."""
    return '"' + name.replace('"', '""') + '"'


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(_q(c) for c in columns)


def _with_bools(row: tuple[Any, ...], flags: Sequence[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in flags:
        values[i] = None if values[i] is None else bool(values[i])
    return tuple(values)


async def _open(target: str) -> _Sqlite | _Postgres:
    store = await open_store(target)  # creates or upgrades the schema, or refuses the target
    await store.close()
    if is_postgres_url(target):
        return _Postgres(target, await asyncpg.connect(target))
    return _Sqlite(sqlite_path(target))


def _order(tables: Sequence[str]) -> Iterator[str]:
    yield from (t for t in FIRST if t in tables)
    yield from sorted(t for t in tables if t not in FIRST)


async def copy_database(source: str, dest: str) -> list[TableCheck]:
    """Copy every table of `source` into the empty database `dest` and verify the copy.

    Raises DatabaseRefused when `dest` already holds data or a check fails.
    """
    src = await _open(source)
    try:
        dst = await _open(dest)
        try:
            return await _copy(src, dst)
        finally:
            await dst.close()
    finally:
        await src.close()


async def _copy(src: _Sqlite | _Postgres, dst: _Sqlite | _Postgres) -> list[TableCheck]:
    src_columns, dst_columns = await src.columns(), await dst.columns()
    tables = [t for t in _order(list(src_columns)) if t not in INTERNAL]
    missing = [t for t in tables if t not in dst_columns]
    if missing:
        raise DatabaseRefused(f"{dst.name} has no table {missing[0]}: upgrade quizbot there")
    for table in tables:
        if (await dst.count_and_sums(table, []))[0]:
            raise DatabaseRefused(
                f"{dst.name} is not empty (table {table} has rows): copy into an empty database"
            )
    plan = []
    for table in tables:
        theirs = {name for name, _ in dst_columns[table]}
        shared = [(name, numeric) for name, numeric in src_columns[table] if name in theirs]
        plan.append((table, [n for n, _ in shared], [n for n, numeric in shared if numeric]))
    await dst.begin()
    try:
        for table, columns, _ in plan:
            await dst.write(table, columns, await src.read(table, columns))
        checks = [await _verify(src, dst, table, numeric) for table, _, numeric in plan]
        await dst.commit()
    except BaseException:
        await dst.rollback()
        raise
    return checks


async def _verify(
    src: _Sqlite | _Postgres, dst: _Sqlite | _Postgres, table: str, numeric: list[str]
) -> TableCheck:
    rows, sums = await src.count_and_sums(table, numeric)
    copied, copied_sums = await dst.count_and_sums(table, numeric)
    if (rows, sums) != (copied, copied_sums):
        raise DatabaseRefused(
            f"the copy of {table} does not match: {rows} rows in the source, {copied} copied; "
            "nothing was committed"
        )
    return TableCheck(table, rows, dict(zip(numeric, sums, strict=True)))
