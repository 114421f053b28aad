"""Member totals and shuffle bags on PostgreSQL, inside one transaction.

Both are read, changed and written back by the engine, so their reads take the guild-row
lock: two processes revealing (or drawing) in one guild take turns and lose nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.model import LevelStats, MemberStats
from bot.core.ports import PeriodPoints
from bot.core.questions import Difficulty
from bot.storage.pg_queries import PgQueries
from bot.storage.totals_rows import level_rows, member_rows, named_stats, period_rows


class PgTotals(PgQueries):
    """Member, level and period totals, and shuffle bags."""

    async def load_stats(self, guild_id: str, member_ids: Sequence[str]) -> dict[str, MemberStats]:
        """Existing stats of these members (with levels), keyed by member id."""
        found: dict[str, MemberStats] = {}
        # One trip: a row per member and level (a member without levels yet has one row).
        stats = await self._all(
            "SELECT s.member_id, s.name, s.points, s.answered, s.correct, s.streak, "
            "s.best_streak, s.streak_seq, l.difficulty, l.answered, l.correct, l.points "
            "FROM member_stats AS s LEFT JOIN level_stats AS l "
            "  ON l.guild_id = s.guild_id AND l.member_id = s.member_id "
            "WHERE s.guild_id = $1 AND s.member_id = ANY($2::text[])",
            guild_id,
            list(member_ids),
        )
        for row in stats:
            member = found.get(row[0])
            if member is None:
                member = found[row[0]] = MemberStats(guild_id, *row[:8])
            if row[8] is not None:
                member.by_level[Difficulty(row[8])] = LevelStats(row[9], row[10], row[11])
        return found

    async def stats_for(
        self, guild_id: str, members: Sequence[tuple[str, str]]
    ) -> list[MemberStats]:
        """Stats of (member id, name) pairs, fresh records for members seen the first time."""
        await self._lock_guild(guild_id)
        found = await self.load_stats(guild_id, [member_id for member_id, _ in members])
        return named_stats(guild_id, members, found)

    async def save_stats(
        self, stats: Sequence[MemberStats], period: Sequence[PeriodPoints]
    ) -> None:
        """Write member totals, per-level totals and period points."""
        await self._conn.executemany(
            "INSERT INTO member_stats (guild_id, member_id, name, points, answered, correct, "
            "streak, best_streak, streak_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            "ON CONFLICT (guild_id, member_id) DO UPDATE SET name = excluded.name, "
            "points = excluded.points, answered = excluded.answered, "
            "correct = excluded.correct, streak = excluded.streak, "
            "best_streak = excluded.best_streak, streak_seq = excluded.streak_seq",
            member_rows(stats),
        )
        await self._conn.executemany(
            "INSERT INTO level_stats (guild_id, member_id, difficulty, answered, correct, points) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (guild_id, member_id, difficulty) "
            "DO UPDATE SET answered = excluded.answered, correct = excluded.correct, "
            "points = excluded.points",
            level_rows(stats),
        )
        await self._conn.executemany(
            "INSERT INTO period_points (guild_id, period, member_id, points) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id, period, member_id) DO UPDATE "
            "SET points = period_points.points + excluded.points",
            period_rows(period),
        )

    async def bag(self, guild_id: str, key: str) -> tuple[list[str], str | None]:
        """The shuffle bag's remaining ids and the id drawn last."""
        await self._lock_guild(guild_id)
        row = await self._one(
            "SELECT remaining, last_drawn FROM bags WHERE guild_id = $1 AND bag_key = $2",
            guild_id,
            key,
        )
        if row is None:
            return [], None
        return [qid for qid in row[0].split(",") if qid], row[1]

    async def save_bag(self, guild_id: str, key: str, remaining: list[str], last: str) -> None:
        """Store a shuffle bag after a draw."""
        await self._conn.execute(
            "INSERT INTO bags (guild_id, bag_key, remaining, last_drawn) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (guild_id, bag_key) DO UPDATE SET remaining = excluded.remaining, "
            "last_drawn = excluded.last_drawn",
            guild_id,
            key,
            ",".join(remaining),
            last,
        )
