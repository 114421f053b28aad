"""Statement helpers for the PostgreSQL store, on a pool or on one transaction's connection."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Executor: TypeAlias = "asyncpg.Pool[Any] | asyncpg.Connection[Any] | PoolConnectionProxy[Any]"


def affected(status: str) -> int:
    """The row count in a command tag such as `UPDATE 3` or `INSERT 0 1`."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgQueries:
    """Statement helpers on a pool (each read on any free connection) or one connection."""

    def __init__(self, conn: Executor) -> None:
        self._conn = conn

    async def _one(self, sql: str, *params: Any) -> Any:
        return await self._conn.fetchrow(sql, *params)

    async def _all(self, sql: str, *params: Any) -> Iterable[Any]:
        return await self._conn.fetch(sql, *params)

    async def _count(self, sql: str, *params: Any) -> int:
        """Rows a statement inserted, updated or deleted."""
        return affected(await self._conn.execute(sql, *params))

    async def _lock_guild(self, guild_id: str) -> None:
        # Totals, shuffle bags, review cards, savers, the one daily per local day and daily
        # sequence numbers are read, changed and written back; holding the guild row makes
        # such transactions of one guild take turns (SQLite gets this from its one writer).
        await self._conn.execute(
            "SELECT 1 FROM guilds WHERE guild_id = $1 FOR NO KEY UPDATE", guild_id
        )
