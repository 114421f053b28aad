"""`quizbot guilds`: which servers and workspaces a database holds, read-only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.ops.readonly import connect_readonly


@dataclass(frozen=True)
class GuildSummary:
    """One server or workspace as the database knows it."""

    guild_id: str
    platform: str
    channel_id: str | None
    members: int
    posts: int


def list_guilds(db: Path) -> list[GuildSummary]:
    """Every guild with settings, posts or members, most members first."""
    conn = connect_readonly(db)
    try:
        rows = conn.execute(
            """
            WITH ids AS (
                SELECT guild_id, platform FROM guilds
                UNION SELECT guild_id, platform FROM posts
            )
            SELECT ids.guild_id, ids.platform, g.channel_id,
                   (SELECT count(*) FROM member_stats m WHERE m.guild_id = ids.guild_id),
                   (SELECT count(*) FROM posts p WHERE p.guild_id = ids.guild_id)
            FROM ids LEFT JOIN guilds g ON g.guild_id = ids.guild_id
            """
        ).fetchall()
    finally:
        conn.close()
    summaries = [GuildSummary(*row) for row in rows]
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
