"""The StoreTx port on SQLite: statements that run inside the writer's current transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.model import Answer, GuildConfig, LevelStats, MemberStats, Post
from bot.core.ports import NewPost, PeriodPoints
from bot.core.questions import Difficulty
from bot.storage import rows
from bot.storage.outbox import OutboxStatements
from bot.storage.rows import ANSWER_COLUMNS, GUILD_COLUMNS, POST_COLUMNS, opt_ts, ts
from bot.storage.sqlite_community import CommunityWrites
from bot.storage.sqlite_learning import LearningWrites
from bot.storage.totals_rows import level_rows, member_rows, named_stats, period_rows


# Fair play and the learning loop (migration 0003) live in the LearningWrites mixin.
# The community features (migration 0004) live in sqlite_community's mixins.
class SqliteTx(CommunityWrites, LearningWrites, OutboxStatements):
    """Reads and writes of one transaction (also used, read-only, on the reader connection)."""

    # -- guilds -----------------------------------------------------------------

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration."""
        row = await self._one(
            f"SELECT {GUILD_COLUMNS}, next_due_at FROM guilds WHERE guild_id = ?", (guild_id,)
        )
        return rows.guild(row) if row else None

    async def save_guild(self, config: GuildConfig) -> None:
        """Insert or replace a guild's settings (its schedule is kept by set_next_due, its
        display name by name_guild)."""
        await self._conn.execute(
            f"INSERT INTO guilds ({GUILD_COLUMNS}, next_due_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET platform = excluded.platform, "
            "channel_id = excluded.channel_id, post_time = excluded.post_time, "
            "timezone = excluded.timezone, daily_reveal_s = excluded.daily_reveal_s, "
            "draw_reveal_s = excluded.draw_reveal_s, difficulty = excluded.difficulty, "
            "days = excluded.days, paused = excluded.paused, ping_role = excluded.ping_role, "
            "last_error = excluded.last_error, last_error_at = excluded.last_error_at",
            _guild_values(config),
        )

    async def name_guild(self, defaults: GuildConfig, name: str) -> bool:
        """Store a guild's display name; a new guild gets `defaults`, an old one keeps its
        settings. False when the name was stored already (and nothing was written)."""
        written = await self._rowcount(
            f"INSERT INTO guilds ({GUILD_COLUMNS}, next_due_at, name) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name "
            "WHERE guilds.name IS NOT excluded.name",
            (*_guild_values(defaults), name),
        )
        return written > 0

    async def set_next_due(self, guild_id: str, at: datetime | None) -> None:
        """Store the guild's next daily slot."""
        await self._conn.execute(
            "UPDATE guilds SET next_due_at = ? WHERE guild_id = ?", (opt_ts(at), guild_id)
        )

    async def set_last_revealed_seq(self, guild_id: str, seq: int) -> None:
        """Remember the newest revealed daily post of a guild."""
        await self._conn.execute(
            "UPDATE guilds SET last_revealed_seq = MAX(last_revealed_seq, ?) WHERE guild_id = ?",
            (seq, guild_id),
        )

    async def last_revealed_seq(self, guild_id: str) -> int:
        """The newest revealed daily's sequence number, 0 before the first."""
        row = await self._one(
            "SELECT last_revealed_seq FROM guilds WHERE guild_id = ?", (guild_id,)
        )
        return int(row[0]) if row else 0

    # -- posts ------------------------------------------------------------------

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        row = await self._one(f"SELECT {POST_COLUMNS} FROM posts WHERE post_id = ?", (post_id,))
        return rows.post(row) if row else None

    async def insert_post(self, draft: NewPost) -> Post:
        """Store a new post."""
        row = await self._one(
            "INSERT INTO posts (guild_id, platform, channel_id, kind, question_id, difficulty, "
            "choice_order, owner_id, local_date, posted_at, reveal_at, week_key, month_key, "
            "delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            f"RETURNING {POST_COLUMNS}",
            (
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
            ),
        )
        return rows.post(row)

    async def void_post(self, post_id: int, at: datetime) -> bool:
        """Close a post nobody saw, without grading it."""
        changed = await self._changed(
            "UPDATE posts SET revealed_at = ?, voided_at = ? "
            "WHERE post_id = ? AND revealed_at IS NULL RETURNING post_id",
            (ts(at), ts(at), post_id),
        )
        return changed == 1

    async def mark_delivered(
        self, post_id: int, message_id: str | None, at: datetime, reveal_at: datetime
    ) -> None:
        """Remember the message showing the post and when it reveals."""
        await self._conn.execute(
            "UPDATE posts SET message_id = COALESCE(?, message_id), delivered_at = ?, "
            "reveal_at = ? WHERE post_id = ?",
            (message_id, ts(at), ts(reveal_at), post_id),
        )

    async def set_reveal_at(self, post_id: int, reveal_at: datetime) -> None:
        """Move an undelivered post's reveal."""
        await self._conn.execute(
            "UPDATE posts SET reveal_at = ? WHERE post_id = ? AND delivered_at IS NULL",
            (ts(reveal_at), post_id),
        )

    async def daily_between(self, guild_id: str, start: datetime, end: datetime) -> Post | None:
        """A daily created in [start, end) and not given up."""
        row = await self._one(
            f"SELECT {POST_COLUMNS} FROM posts WHERE guild_id = ? AND kind = 'daily' "
            "AND posted_at >= ? AND posted_at < ? AND voided_at IS NULL LIMIT 1",
            (guild_id, ts(start), ts(end)),
        )
        return rows.post(row) if row else None

    async def open_draw(self, channel_id: str) -> Post | None:
        """The channel's unrevealed public draw."""
        row = await self._one(
            f"SELECT {POST_COLUMNS} FROM posts "
            "WHERE channel_id = ? AND kind = 'draw' AND revealed_at IS NULL",
            (channel_id,),
        )
        return rows.post(row) if row else None

    async def open_daily(self, guild_id: str) -> Post | None:
        """The guild's oldest unrevealed daily."""
        row = await self._one(
            f"SELECT {POST_COLUMNS} FROM posts "
            "WHERE guild_id = ? AND kind = 'daily' AND revealed_at IS NULL "
            "ORDER BY posted_at, post_id LIMIT 1",
            (guild_id,),
        )
        return rows.post(row) if row else None

    async def expire_private(self, platform: str, now: datetime) -> list[int]:
        """Close practice posts past their reveal time (an answer closes one at once)."""
        found = await self._all(
            "UPDATE posts SET revealed_at = ? WHERE platform = ? AND kind = 'private' "
            "AND revealed_at IS NULL AND reveal_at <= ? RETURNING post_id",
            (ts(now), platform, ts(now)),
        )
        return [int(row[0]) for row in found]

    async def mark_revealed(self, post_id: int, at: datetime, daily_seq: int | None) -> bool:
        """Close a post; False when it was already closed."""
        changed = await self._changed(
            "UPDATE posts SET revealed_at = ?, daily_seq = COALESCE(?, daily_seq) "
            "WHERE post_id = ? AND revealed_at IS NULL RETURNING post_id",
            (ts(at), daily_seq, post_id),
        )
        return changed == 1

    # -- answers ----------------------------------------------------------------

    async def answers(self, post_id: int) -> list[Answer]:
        """Every answer to a post."""
        found = await self._all(
            f"SELECT {ANSWER_COLUMNS} FROM answers WHERE post_id = ?", (post_id,)
        )
        return [rows.answer(row) for row in found]

    async def set_graded(self, post_id: int, grades: Sequence[tuple[str, bool | None]]) -> None:
        """Store the grade of each member's answer."""
        await self._conn.executemany(
            "UPDATE answers SET correct = ? WHERE post_id = ? AND member_id = ?",
            [(None if ok is None else int(ok), post_id, member) for member, ok in grades],
        )

    async def self_grade(
        self, post_id: int, member_id: str, correct: bool, at: datetime
    ) -> Answer | None:
        """Record a self-grade once."""
        row = await self._one(
            "UPDATE answers SET correct = ?, self_graded = 1, graded_at = ? "
            "WHERE post_id = ? AND member_id = ? AND self_graded = 0 AND correct IS NULL "
            f"RETURNING {ANSWER_COLUMNS}",
            (int(correct), ts(at), post_id, member_id),
        )
        return rows.answer(row) if row else None

    # -- totals and bags --------------------------------------------------------

    async def load_stats(self, guild_id: str, member_ids: Sequence[str]) -> dict[str, MemberStats]:
        """Existing stats of these members (with levels), keyed by member id."""
        found: dict[str, MemberStats] = {}
        # Chunks stay below SQLite's bound-parameter limit.
        for start in range(0, len(member_ids), 500):
            chunk = list(member_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            stats = await self._all(
                "SELECT member_id, name, points, answered, correct, streak, best_streak, "
                f"streak_seq FROM member_stats WHERE guild_id = ? AND member_id IN ({marks})",
                (guild_id, *chunk),
            )
            for row in stats:
                found[row[0]] = MemberStats(guild_id, *row)
            levels = await self._all(
                "SELECT member_id, difficulty, answered, correct, points FROM level_stats "
                f"WHERE guild_id = ? AND member_id IN ({marks})",
                (guild_id, *chunk),
            )
            for member_id, level, answered, correct, points in levels:
                if member_id in found:
                    found[member_id].by_level[Difficulty(level)] = LevelStats(
                        answered, correct, points
                    )
        return found

    async def stats_for(
        self, guild_id: str, members: Sequence[tuple[str, str]]
    ) -> list[MemberStats]:
        """Stats of (member id, name) pairs, fresh records for members seen the first time."""
        found = await self.load_stats(guild_id, [member_id for member_id, _ in members])
        return named_stats(guild_id, members, found)

    async def save_stats(
        self, stats: Sequence[MemberStats], period: Sequence[PeriodPoints]
    ) -> None:
        """Write member totals, per-level totals and period points."""
        await self._conn.executemany(
            "INSERT INTO member_stats (guild_id, member_id, name, points, answered, correct, "
            "streak, best_streak, streak_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, member_id) DO UPDATE SET name = excluded.name, "
            "points = excluded.points, answered = excluded.answered, "
            "correct = excluded.correct, streak = excluded.streak, "
            "best_streak = excluded.best_streak, streak_seq = excluded.streak_seq",
            member_rows(stats),
        )
        await self._conn.executemany(
            "INSERT INTO level_stats (guild_id, member_id, difficulty, answered, correct, points) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, member_id, difficulty) DO UPDATE "
            "SET answered = excluded.answered, correct = excluded.correct, "
            "points = excluded.points",
            level_rows(stats),
        )
        await self._conn.executemany(
            "INSERT INTO period_points (guild_id, period, member_id, points) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, period, member_id) DO UPDATE "
            "SET points = points + excluded.points",
            period_rows(period),
        )

    async def bag(self, guild_id: str, key: str) -> tuple[list[str], str | None]:
        """The shuffle bag's remaining ids and the id drawn last."""
        row = await self._one(
            "SELECT remaining, last_drawn FROM bags WHERE guild_id = ? AND bag_key = ?",
            (guild_id, key),
        )
        if row is None:
            return [], None
        return [qid for qid in row[0].split(",") if qid], row[1]

    async def save_bag(self, guild_id: str, key: str, remaining: list[str], last: str) -> None:
        """Store a shuffle bag after a draw."""
        await self._conn.execute(
            "INSERT INTO bags (guild_id, bag_key, remaining, last_drawn) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, bag_key) DO UPDATE SET remaining = excluded.remaining, "
            "last_drawn = excluded.last_drawn",
            (guild_id, key, ",".join(remaining), last),
        )


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
        int(config.paused),
        config.ping_role,
        config.last_error,
        opt_ts(config.last_error_at),
        opt_ts(config.next_due_at),
    )
