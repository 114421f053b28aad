"""`quizbot guilds`: which servers and workspaces a database holds, read-only.

Both stores answer the same query. A database the bot has not upgraded yet (no name
column) is listed too, with every name unknown: the listing runs beside the bot and
never migrates anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.ops.readonly import connect_readonly
from bot.storage.pg_connect import connect, redacted
from bot.storage.preflight import DatabaseRefused


@dataclass(frozen=True)
class GuildSummary:
    """One server or workspace as the database knows it."""

    guild_id: str
    platform: str
    name: str | None
    channel_id: str | None
    members: int
    posts: int


# `{name}` is the name column, or NULL on a schema from before it; nothing else is spliced.
_LIST = """
WITH ids AS (
    SELECT guild_id, platform FROM guilds
    UNION SELECT guild_id, platform FROM posts
)
SELECT ids.guild_id, ids.platform, {name}, g.channel_id,
       (SELECT count(*) FROM member_stats m WHERE m.guild_id = ids.guild_id),
       (SELECT count(*) FROM posts p WHERE p.guild_id = ids.guild_id)
FROM ids LEFT JOIN guilds g ON g.guild_id = ids.guild_id
"""


def list_guilds(db: Path) -> list[GuildSummary]:
    """Every guild of a SQLite file with settings, posts or members, most members first."""
    conn = connect_readonly(db)
    try:
        named = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('guilds') WHERE name = 'name')"
        ).fetchone()[0]
        rows = conn.execute(_LIST.format(name="g.name" if named else "NULL")).fetchall()
    finally:
        conn.close()
    return _ordered(GuildSummary(*row) for row in rows)


def list_pg_guilds(url: str) -> list[GuildSummary]:
    """The same list from a PostgreSQL database; DatabaseRefused when it cannot be read."""
    return asyncio.run(_list_pg(url))


async def _list_pg(url: str) -> list[GuildSummary]:
    conn = await connect(url)
    try:
        # One snapshot, and a guarantee that a slip here could never write to the bot's data.
        async with conn.transaction(readonly=True):
            if not await conn.fetchval("SELECT to_regclass('guilds') IS NOT NULL"):
                raise DatabaseRefused(
                    f"database {redacted(url)} has no quizbot schema (the bot never ran on it)"
                )
            named = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'guilds' "
                "AND column_name = 'name')"
            )
            rows = await conn.fetch(_LIST.format(name="g.name" if named else "NULL"))
    finally:
        await conn.close()
    return _ordered(
        GuildSummary(row[0], row[1], row[2], row[3], int(row[4]), int(row[5])) for row in rows
    )


def _ordered(summaries: Iterable[GuildSummary]) -> list[GuildSummary]:
    """Most members first, then by platform and id, so the order is the same every time."""
    return sorted(summaries, key=lambda s: (-s.members, s.platform, s.guild_id))


def guild_exists(db: Path, guild_id: str) -> bool:
    """True when the database knows the guild (settings, posts or members)."""
    conn = connect_readonly(db)
    try:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM guilds WHERE guild_id = ?)"
            " OR EXISTS (SELECT 1 FROM posts WHERE guild_id = ?)"
            " OR EXISTS (SELECT 1 FROM member_stats WHERE guild_id = ?)",
            (guild_id, guild_id, guild_id),
        ).fetchone()
    finally:
        conn.close()
    return bool(row[0])
