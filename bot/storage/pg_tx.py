"""The StoreTx port on PostgreSQL: statements inside one transaction on one connection.

Where SQLite relies on its single writer, these rely on row locks: a read that a write
depends on locks what it read (the guild row; see PgQueries._lock_guild), so concurrent
transactions of one guild queue instead of racing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.model import Answer, GuildConfig, Post
from bot.core.ports import NewPost
from bot.storage import rows
from bot.storage.pg_community import PgCommunityWrites
from bot.storage.pg_learning import PgLearningWrites
from bot.storage.pg_outbox import PgOutbox
from bot.storage.pg_totals import PgTotals
from bot.storage.rows import ANSWER_COLUMNS, GUILD_COLUMNS, POST_COLUMNS, opt_ts, ts


# Fair play and the learning loop live in PgLearningWrites, the outbox in PgOutbox, member
# totals and shuffle bags in PgTotals, the community features in PgCommunityWrites.
class PostgresTx(PgLearningWrites, PgCommunityWrites, PgOutbox, PgTotals):
    """Reads and writes of one transaction (also used, read-only, on the pool)."""

    # -- guilds -----------------------------------------------------------------

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration (its row locked until the transaction ends)."""
        row = await self._one(
            f"SELECT {GUILD_COLUMNS}, next_due_at FROM guilds WHERE guild_id = $1 "
            "FOR NO KEY UPDATE",
            guild_id,
        )
        return rows.guild(row) if row else None

    async def save_guild(self, config: GuildConfig) -> None:
        """Insert or replace a guild's settings (its schedule is kept by set_next_due, its
        display name by name_guild)."""
        await self._conn.execute(
            f"INSERT INTO guilds ({GUILD_COLUMNS}, next_due_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
            "ON CONFLICT (guild_id) DO UPDATE SET platform = excluded.platform, "
            "channel_id = excluded.channel_id, post_time = excluded.post_time, "
            "timezone = excluded.timezone, daily_reveal_s = excluded.daily_reveal_s, "
            "draw_reveal_s = excluded.draw_reveal_s, difficulty = excluded.difficulty, "
            "days = excluded.days, paused = excluded.paused, ping_role = excluded.ping_role, "
            "last_error = excluded.last_error, last_error_at = excluded.last_error_at",
            *_guild_values(config),
        )

    async def name_guild(self, defaults: GuildConfig, name: str) -> bool:
        """Store a guild's display name; a new guild gets `defaults`, an old one keeps its
        settings. False when the name was stored already (and nothing was written)."""
        written = await self._count(
            f"INSERT INTO guilds ({GUILD_COLUMNS}, next_due_at, name) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
            "ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name "
            "WHERE guilds.name IS DISTINCT FROM excluded.name",
            *_guild_values(defaults),
            name,
        )
        return written > 0

    async def set_next_due(self, guild_id: str, at: datetime | None) -> None:
        """Store the guild's next daily slot."""
        await self._conn.execute(
            "UPDATE guilds SET next_due_at = $1 WHERE guild_id = $2", opt_ts(at), guild_id
        )

    async def set_last_revealed_seq(self, guild_id: str, seq: int) -> None:
        """Remember the newest revealed daily post of a guild."""
        await self._conn.execute(
            "UPDATE guilds SET last_revealed_seq = GREATEST(last_revealed_seq, $1) "
            "WHERE guild_id = $2",
            seq,
            guild_id,
        )

    async def last_revealed_seq(self, guild_id: str) -> int:
        """The newest revealed daily's sequence number, 0 before the first (row locked:
        the reveal numbers the next daily from it)."""
        row = await self._one(
            "SELECT last_revealed_seq FROM guilds WHERE guild_id = $1 FOR NO KEY UPDATE",
            guild_id,
        )
        return int(row[0]) if row else 0

    # -- posts ------------------------------------------------------------------

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        row = await self._one(f"SELECT {POST_COLUMNS} FROM posts WHERE post_id = $1", post_id)
        return rows.post(row) if row else None

    async def insert_post(self, draft: NewPost) -> Post:
        """Store a new post."""
        row = await self._one(
            "INSERT INTO posts (guild_id, platform, channel_id, kind, question_id, difficulty, "
            "choice_order, owner_id, local_date, posted_at, reveal_at, week_key, month_key, "
            "delivered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
            f"RETURNING {POST_COLUMNS}",
            draft.guild_id,
            draft.platform,
            draft.channel_id,
            draft.kind.value,
            draft.question_id,
            draft.difficulty.value,
            ",".join(str(i) for i in draft.choice_order),
            draft.owner_id,
            draft.local_date,
            ts(draft.posted_at),
            ts(draft.reveal_at),
            draft.week_key,
            draft.month_key,
            opt_ts(draft.delivered_at),
        )
        return rows.post(row)

    async def void_post(self, post_id: int, at: datetime) -> bool:
        """Close a post nobody saw, without grading it."""
        changed = await self._count(
            "UPDATE posts SET revealed_at = $1, voided_at = $1, lease_owner = NULL, "
            "lease_until = NULL WHERE post_id = $2 AND revealed_at IS NULL",
            ts(at),
            post_id,
        )
        return changed == 1

    async def mark_delivered(
        self, post_id: int, message_id: str | None, at: datetime, reveal_at: datetime
    ) -> None:
        """Remember the message showing the post and when it reveals."""
        await self._conn.execute(
            "UPDATE posts SET message_id = COALESCE($1, message_id), delivered_at = $2, "
            "reveal_at = $3 WHERE post_id = $4",
            message_id,
            ts(at),
            ts(reveal_at),
            post_id,
        )

    async def set_reveal_at(self, post_id: int, reveal_at: datetime) -> None:
        """Move an undelivered post's reveal."""
        await self._conn.execute(
            "UPDATE posts SET reveal_at = $1 WHERE post_id = $2 AND delivered_at IS NULL",
            ts(reveal_at),
            post_id,
        )

    async def daily_between(self, guild_id: str, start: datetime, end: datetime) -> Post | None:
        """A daily created in [start, end) and not given up; the guild row is locked, so
        two processes posting the same guild's daily take turns and the second sees it."""
        await self._lock_guild(guild_id)
        row = await self._one(
            f"SELECT {POST_COLUMNS} FROM posts WHERE guild_id = $1 AND kind = 'daily' "
            "AND posted_at >= $2 AND posted_at < $3 AND voided_at IS NULL LIMIT 1",
            guild_id,
            ts(start),
            ts(end),
        )
        return rows.post(row) if row else None

    async def open_draw(self, channel_id: str) -> Post | None:
        """The channel's unrevealed public draw."""
        # Two draws in one channel take turns here, so the second sees the first's post.
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('draw:' || $1, 0))", channel_id
        )
        row = await self._one(
            f"SELECT {POST_COLUMNS} FROM posts "
            "WHERE channel_id = $1 AND kind = 'draw' AND revealed_at IS NULL",
            channel_id,
        )
        return rows.post(row) if row else None

    async def open_daily(self, guild_id: str) -> Post | None:
        """The guild's oldest unrevealed daily."""
        row = await self._one(
            f"SELECT {POST_COLUMNS} FROM posts "
            "WHERE guild_id = $1 AND kind = 'daily' AND revealed_at IS NULL "
            "ORDER BY posted_at, post_id LIMIT 1",
            guild_id,
        )
        return rows.post(row) if row else None

    async def expire_private(self, platform: str, now: datetime) -> list[int]:
        """Close practice posts past their reveal time (an answer closes one at once)."""
        found = await self._all(
            "UPDATE posts SET revealed_at = $1 WHERE platform = $2 AND kind = 'private' "
            "AND revealed_at IS NULL AND reveal_at <= $1 RETURNING post_id",
            ts(now),
            platform,
        )
        return sorted(int(row[0]) for row in found)

    async def mark_revealed(self, post_id: int, at: datetime, daily_seq: int | None) -> bool:
        """Close a post (numbering a daily); False when it was already closed."""
        changed = await self._count(
            "UPDATE posts SET revealed_at = $1, daily_seq = COALESCE($2, daily_seq), "
            "lease_owner = NULL, lease_until = NULL "
            "WHERE post_id = $3 AND revealed_at IS NULL",
            ts(at),
            daily_seq,
            post_id,
        )
        return changed == 1

    # -- answers ----------------------------------------------------------------

    async def answers(self, post_id: int) -> list[Answer]:
        """Every answer to a post."""
        found = await self._all(
            f"SELECT {ANSWER_COLUMNS} FROM answers WHERE post_id = $1 ORDER BY member_id",
            post_id,
        )
        return [rows.answer(row) for row in found]

    async def set_graded(self, post_id: int, grades: Sequence[tuple[str, bool | None]]) -> None:
        """Store the grade of each member's answer."""
        await self._conn.executemany(
            "UPDATE answers SET correct = $1 WHERE post_id = $2 AND member_id = $3",
            [(ok, post_id, member) for member, ok in grades],
        )

    async def self_grade(
        self, post_id: int, member_id: str, correct: bool, at: datetime
    ) -> Answer | None:
        """Record a self-grade once."""
        row = await self._one(
            "UPDATE answers SET correct = $1, self_graded = TRUE, graded_at = $2 "
            "WHERE post_id = $3 AND member_id = $4 AND NOT self_graded AND correct IS NULL "
            f"RETURNING {ANSWER_COLUMNS}",
            correct,
            ts(at),
            post_id,
            member_id,
        )
        return rows.answer(row) if row else None


def _guild_values(config: GuildConfig) -> tuple[object, ...]:
    """A guild's settings in GUILD_COLUMNS order, then next_due_at."""
    return (
        config.guild_id,
        config.platform,
        config.channel_id,
        config.post_time.strftime("%H:%M"),
        config.timezone,
        config.daily_reveal_s,
        config.draw_reveal_s,
        config.difficulty,
        ",".join(str(d) for d in sorted(config.days)),
        config.paused,
        config.ping_role,
        config.last_error,
        opt_ts(config.last_error_at),
        opt_ts(config.next_due_at),
    )
