"""The PostgreSQL store on asyncpg: a pool per process, every SQL statement here.

Laid out like bot/storage/sqlite.py, method for method. Where SQLite relies on its single
writer, this store relies on row locks instead, because several processes (shards) write
at once: a read that a write depends on locks what it read (the guild row for totals and
shuffle bags, the post row for an answer), so concurrent transactions queue, never race.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.core.model import Answer, BoardEntry, GuildConfig, LevelStats, MemberStats, Post
from bot.core.ports import NewPost, PeriodPoints, StoreTx
from bot.core.questions import Difficulty
from bot.storage.pg_connect import connect_pool
from bot.storage.pg_writer import AnswerBatcher, retrying

# Rows have the same columns and unix-second times in both stores, so they read alike.
from bot.storage.sqlite import _GUILD_COLUMNS, _POST_COLUMNS, _answer, _guild, _post, _ranked, _ts

log = logging.getLogger(__name__)

T = TypeVar("T")

# The post row is share-locked while its answers go in, so a reveal (which updates that
# row) waits for them and then grades them, or they wait for it and find the post closed.
UPSERT_ANSWERS = """
WITH batch AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[],
                         $6::bigint[])
        AS b (post_id, member_id, member_name, choice, text, answered_at)
), open AS (
    SELECT post_id FROM posts
    WHERE post_id IN (SELECT post_id FROM batch) AND revealed_at IS NULL
    ORDER BY post_id FOR SHARE
)
INSERT INTO answers (post_id, member_id, member_name, choice, text, answered_at)
SELECT * FROM batch WHERE post_id IN (SELECT post_id FROM open)
ORDER BY post_id, member_id
ON CONFLICT (post_id, member_id) DO UPDATE SET
    member_name = excluded.member_name,
    choice = excluded.choice,
    text = excluded.text,
    answered_at = excluded.answered_at
RETURNING post_id
"""

_ANSWER_COLUMNS = "post_id, member_id, member_name, choice, text, answered_at"

Executor: TypeAlias = "asyncpg.Pool[Any] | asyncpg.Connection[Any] | PoolConnectionProxy[Any]"


class _Queries:
    """Statement helpers on a pool (each read on any free connection) or one connection."""

    def __init__(self, conn: Executor) -> None:
        self._conn = conn

    async def _one(self, sql: str, *params: Any) -> Any:
        return await self._conn.fetchrow(sql, *params)

    async def _all(self, sql: str, *params: Any) -> Iterable[Any]:
        return await self._conn.fetch(sql, *params)


class PostgresStore(_Queries):
    """The Store port on a connection pool: each write job is one transaction of its own,
    answers are batched into one statement (group commit), reads use any free connection."""

    def __init__(self, pool: asyncpg.Pool[Any], *, batch_answers: bool = True) -> None:
        super().__init__(pool)
        self._pool = pool
        # Batching is what runs; one transaction per answer is kept for the benchmark that
        # shows why (see `make bench`, pg_answers_per_s against pg_per_answer_tx_per_s).
        self._answers = AnswerBatcher(pool, UPSERT_ANSWERS) if batch_answers else None
        self._reads = _PostgresTx(pool)

    def __repr__(self) -> str:
        return "PostgresStore()"

    @classmethod
    async def open(cls, url: str, *, batch_answers: bool = True) -> PostgresStore:
        """Connect, apply migrations (one process at a time) and start the answer batcher.

        Raises DatabaseRefused, with a one-line reason, for a server or database quizbot
        cannot use.
        """
        store = cls(await connect_pool(url), batch_answers=batch_answers)
        if store._answers is not None:
            store._answers.start()
        return store

    async def close(self) -> None:
        """Commit queued answers, then close the pool."""
        if self._answers is not None:
            await self._answers.close()
        await self._pool.close()

    # -- writes ---------------------------------------------------------------

    async def write(self, job: Callable[[StoreTx], Awaitable[T]]) -> T:
        """Run `job` in a transaction of its own; returns once committed."""

        async def attempt() -> T:
            async with self._pool.acquire() as conn, conn.transaction():
                return await job(_PostgresTx(conn))

        return await retrying(attempt)

    async def submit_answer(self, answer: Answer) -> bool:
        """Commit one answer; False when its post has been revealed meanwhile."""
        values = (
            answer.post_id,
            answer.member.id,
            answer.member.name,
            answer.choice,
            answer.text,
            _ts(answer.answered_at),
        )
        if self._answers is None:
            columns = [[value] for value in values]
            return bool(await retrying(lambda: self._pool.fetch(UPSERT_ANSWERS, *columns)))
        return await self._answers.answer(answer.post_id, values)

    # -- reads ----------------------------------------------------------------

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration."""
        row = await self._one(f"SELECT {_GUILD_COLUMNS} FROM guilds WHERE guild_id = $1", guild_id)
        return _guild(row) if row else None

    async def guilds(self, platform: str) -> list[GuildConfig]:
        """Every configured guild of a platform."""
        rows = await self._all(f"SELECT {_GUILD_COLUMNS} FROM guilds WHERE platform = $1", platform)
        return [_guild(row) for row in rows]

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        return await self._reads.post(post_id)

    async def open_posts(self, platform: str) -> list[Post]:
        """Unrevealed posts of a platform, soonest reveal first."""
        rows = await self._all(
            f"SELECT {_POST_COLUMNS} FROM posts "
            "WHERE platform = $1 AND revealed_at IS NULL ORDER BY reveal_at",
            platform,
        )
        return [_post(row) for row in rows]

    async def open_daily(self, guild_id: str) -> Post | None:
        """The guild's unrevealed daily post, if any."""
        return await self._reads.open_daily(guild_id)

    async def claim_overdue(
        self, platform: str, due_by: datetime, owner: str, now: datetime, lease_s: int, limit: int
    ) -> list[Post]:
        """Lease overdue public posts to `owner`; rows another process holds are skipped."""
        rows = await self._all(
            "UPDATE posts SET lease_owner = $3, lease_until = $4 + $5::bigint "
            "WHERE post_id IN (SELECT post_id FROM posts WHERE platform = $1 "
            "  AND revealed_at IS NULL AND reveal_at <= $2 AND kind <> 'private' "
            "  AND (lease_until IS NULL OR lease_until <= $4) "
            "  ORDER BY reveal_at LIMIT $6 FOR UPDATE SKIP LOCKED) "
            f"RETURNING {_POST_COLUMNS}",
            platform,
            _ts(due_by),
            owner,
            _ts(now),
            lease_s,
            limit,
        )
        return sorted((_post(row) for row in rows), key=lambda post: post.reveal_at)

    async def answer_of(self, post_id: int, member_id: str) -> Answer | None:
        """A member's answer to a post."""
        row = await self._one(
            f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE post_id = $1 AND member_id = $2",
            post_id,
            member_id,
        )
        return _answer(row) if row else None

    async def member_stats(self, guild_id: str, member_id: str) -> MemberStats | None:
        """A member's totals with the per-level breakdown."""
        found = await self._reads.load_stats(guild_id, [member_id])
        return found.get(member_id)

    async def last_revealed_seq(self, guild_id: str) -> int:
        """The newest revealed daily's sequence number, 0 before the first."""
        row = await self._one("SELECT last_revealed_seq FROM guilds WHERE guild_id = $1", guild_id)
        return int(row[0]) if row else 0

    async def top_points(self, guild_id: str, period: str | None, limit: int) -> list[BoardEntry]:
        """The top of the points board for all time (`period` None) or one week/month."""
        if period is None:
            rows = await self._all(
                "SELECT member_id, name, points FROM member_stats "
                "WHERE guild_id = $1 AND points > 0 ORDER BY points DESC, member_id LIMIT $2",
                guild_id,
                limit,
            )
        else:
            rows = await self._all(
                "SELECT p.member_id, s.name, p.points FROM period_points AS p "
                "JOIN member_stats AS s ON s.guild_id = p.guild_id AND s.member_id = p.member_id "
                "WHERE p.guild_id = $1 AND p.period = $2 AND p.points > 0 "
                "ORDER BY p.points DESC, p.member_id LIMIT $3",
                guild_id,
                period,
                limit,
            )
        return _ranked(rows)

    async def points_rank(
        self, guild_id: str, period: str | None, member_id: str
    ) -> BoardEntry | None:
        """A member's rank and points; None without points in the period."""
        if period is None:
            row = await self._one(
                "SELECT name, points, (SELECT COUNT(*) FROM member_stats AS o "
                "  WHERE o.guild_id = s.guild_id AND o.points > s.points) "
                "FROM member_stats AS s WHERE guild_id = $1 AND member_id = $2 AND points > 0",
                guild_id,
                member_id,
            )
        else:
            row = await self._one(
                "SELECT s.name, p.points, (SELECT COUNT(*) FROM period_points AS o "
                "  WHERE o.guild_id = p.guild_id AND o.period = p.period AND o.points > p.points) "
                "FROM period_points AS p JOIN member_stats AS s "
                "  ON s.guild_id = p.guild_id AND s.member_id = p.member_id "
                "WHERE p.guild_id = $1 AND p.period = $2 AND p.member_id = $3 AND p.points > 0",
                guild_id,
                period,
                member_id,
            )
        return BoardEntry(row[2] + 1, member_id, row[0], row[1]) if row else None

    async def top_streaks(self, guild_id: str, seq: int, limit: int) -> list[BoardEntry]:
        """The longest current streaks: those that reached daily post `seq`."""
        rows = await self._all(
            "SELECT member_id, name, streak FROM member_stats "
            "WHERE guild_id = $1 AND streak_seq = $2 AND streak > 0 "
            "ORDER BY streak DESC, member_id LIMIT $3",
            guild_id,
            seq,
            limit,
        )
        return _ranked(rows)

    async def streak_rank(self, guild_id: str, seq: int, member_id: str) -> BoardEntry | None:
        """A member's rank by current streak; None without a current streak."""
        row = await self._one(
            "SELECT name, streak, (SELECT COUNT(*) FROM member_stats AS o "
            "  WHERE o.guild_id = s.guild_id AND o.streak_seq = s.streak_seq "
            "  AND o.streak > s.streak) "
            "FROM member_stats AS s "
            "WHERE guild_id = $1 AND member_id = $2 AND streak_seq = $3 AND streak > 0",
            guild_id,
            member_id,
            seq,
        )
        return BoardEntry(row[2] + 1, member_id, row[0], row[1]) if row else None


class _PostgresTx(_Queries):
    """The StoreTx port: statements run inside one transaction on one connection."""

    async def _lock_guild(self, guild_id: str) -> None:
        # Totals, shuffle bags and daily sequence numbers are read, changed and written
        # back; holding the guild row makes such transactions of one guild take turns.
        await self._conn.execute(
            "SELECT 1 FROM guilds WHERE guild_id = $1 FOR NO KEY UPDATE", guild_id
        )

    async def guild(self, guild_id: str) -> GuildConfig | None:
        row = await self._one(
            f"SELECT {_GUILD_COLUMNS} FROM guilds WHERE guild_id = $1 FOR NO KEY UPDATE",
            guild_id,
        )
        return _guild(row) if row else None

    async def save_guild(self, config: GuildConfig) -> None:
        await self._conn.execute(
            f"INSERT INTO guilds ({_GUILD_COLUMNS}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
            "ON CONFLICT (guild_id) DO UPDATE SET platform = excluded.platform, "
            "channel_id = excluded.channel_id, post_time = excluded.post_time, "
            "timezone = excluded.timezone, daily_reveal_s = excluded.daily_reveal_s, "
            "draw_reveal_s = excluded.draw_reveal_s, difficulty = excluded.difficulty, "
            "days = excluded.days, paused = excluded.paused, ping_role = excluded.ping_role, "
            "last_error = excluded.last_error, last_error_at = excluded.last_error_at",
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
            _ts(config.last_error_at) if config.last_error_at else None,
        )

    async def post(self, post_id: int) -> Post | None:
        row = await self._one(f"SELECT {_POST_COLUMNS} FROM posts WHERE post_id = $1", post_id)
        return _post(row) if row else None

    async def insert_post(self, draft: NewPost) -> Post:
        # A daily takes the guild's next sequence number in the same statement; the unique
        # index on (guild_id, daily_seq) refuses a second process that raced for it.
        row = await self._one(
            "INSERT INTO posts (guild_id, platform, channel_id, kind, question_id, difficulty, "
            "choice_order, owner_id, local_date, daily_seq, posted_at, reveal_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
            "  CASE WHEN $4 = 'daily' THEN (SELECT COALESCE(MAX(daily_seq), 0) + 1 FROM posts "
            "    WHERE guild_id = $1 AND kind = 'daily') END, $10, $11) "
            f"RETURNING {_POST_COLUMNS}",
            draft.guild_id,
            draft.platform,
            draft.channel_id,
            draft.kind.value,
            draft.question_id,
            draft.difficulty.value,
            ",".join(str(i) for i in draft.choice_order),
            draft.owner_id,
            draft.local_date,
            _ts(draft.posted_at),
            _ts(draft.reveal_at),
        )
        return _post(row)

    async def delete_post(self, post_id: int) -> None:
        await self._conn.execute("DELETE FROM posts WHERE post_id = $1", post_id)

    async def set_message_id(self, post_id: int, message_id: str) -> None:
        await self._conn.execute(
            "UPDATE posts SET message_id = $1 WHERE post_id = $2", message_id, post_id
        )

    async def daily_on(self, guild_id: str, local_date: str) -> Post | None:
        await self._lock_guild(guild_id)
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts "
            "WHERE guild_id = $1 AND kind = 'daily' AND local_date = $2",
            guild_id,
            local_date,
        )
        return _post(row) if row else None

    async def open_draw(self, channel_id: str) -> Post | None:
        # Two draws in one channel take turns here, so the second sees the first's post.
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('draw:' || $1, 0))", channel_id
        )
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts "
            "WHERE channel_id = $1 AND kind = 'draw' AND revealed_at IS NULL",
            channel_id,
        )
        return _post(row) if row else None

    async def open_daily(self, guild_id: str) -> Post | None:
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts "
            "WHERE guild_id = $1 AND kind = 'daily' AND revealed_at IS NULL "
            "ORDER BY daily_seq LIMIT 1",
            guild_id,
        )
        return _post(row) if row else None

    async def mark_revealed(self, post_id: int, at: datetime) -> bool:
        row = await self._one(
            "UPDATE posts SET revealed_at = $1, lease_owner = NULL, lease_until = NULL "
            "WHERE post_id = $2 AND revealed_at IS NULL RETURNING post_id",
            _ts(at),
            post_id,
        )
        return row is not None

    async def answers(self, post_id: int) -> list[Answer]:
        rows = await self._all(f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE post_id = $1", post_id)
        return [_answer(row) for row in rows]

    async def set_graded(self, post_id: int, grades: Sequence[tuple[str, bool | None]]) -> None:
        await self._conn.executemany(
            "UPDATE answers SET correct = $1 WHERE post_id = $2 AND member_id = $3",
            [(ok, post_id, member) for member, ok in grades],
        )

    async def self_grade(self, post_id: int, member_id: str, correct: bool) -> Answer | None:
        row = await self._one(
            "UPDATE answers SET correct = $1, self_graded = TRUE "
            "WHERE post_id = $2 AND member_id = $3 AND NOT self_graded AND correct IS NULL "
            f"RETURNING {_ANSWER_COLUMNS}",
            correct,
            post_id,
            member_id,
        )
        return _answer(row) if row else None

    async def load_stats(self, guild_id: str, member_ids: Sequence[str]) -> dict[str, MemberStats]:
        """Existing stats of these members (with levels), keyed by member id."""
        found: dict[str, MemberStats] = {}
        # One trip: a row per member and level (a member without levels yet has one row).
        rows = await self._all(
            "SELECT s.member_id, s.name, s.points, s.answered, s.correct, s.streak, "
            "s.best_streak, s.streak_seq, l.difficulty, l.answered, l.correct, l.points "
            "FROM member_stats AS s LEFT JOIN level_stats AS l "
            "  ON l.guild_id = s.guild_id AND l.member_id = s.member_id "
            "WHERE s.guild_id = $1 AND s.member_id = ANY($2::text[])",
            guild_id,
            list(member_ids),
        )
        for row in rows:
            stats = found.get(row[0])
            if stats is None:
                stats = found[row[0]] = MemberStats(guild_id, *row[:8])
            if row[8] is not None:
                stats.by_level[Difficulty(row[8])] = LevelStats(row[9], row[10], row[11])
        return found

    async def stats_for(
        self, guild_id: str, members: Sequence[tuple[str, str]]
    ) -> list[MemberStats]:
        await self._lock_guild(guild_id)
        found = await self.load_stats(guild_id, [member_id for member_id, _ in members])
        result = []
        for member_id, name in members:
            stats = found.get(member_id) or MemberStats(guild_id, member_id, name)
            stats.name = name
            result.append(stats)
        return result

    async def save_stats(
        self, stats: Sequence[MemberStats], period: Sequence[PeriodPoints]
    ) -> None:
        await self._conn.executemany(
            "INSERT INTO member_stats (guild_id, member_id, name, points, answered, correct, "
            "streak, best_streak, streak_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            "ON CONFLICT (guild_id, member_id) DO UPDATE SET name = excluded.name, "
            "points = excluded.points, answered = excluded.answered, "
            "correct = excluded.correct, streak = excluded.streak, "
            "best_streak = excluded.best_streak, streak_seq = excluded.streak_seq",
            [
                (
                    s.guild_id,
                    s.member_id,
                    s.name,
                    s.points,
                    s.answered,
                    s.correct,
                    s.streak,
                    s.best_streak,
                    s.streak_seq,
                )
                for s in stats
            ],
        )
        await self._conn.executemany(
            "INSERT INTO level_stats (guild_id, member_id, difficulty, answered, correct, points) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (guild_id, member_id, difficulty) "
            "DO UPDATE SET answered = excluded.answered, correct = excluded.correct, "
            "points = excluded.points",
            [
                (s.guild_id, s.member_id, level.value, ls.answered, ls.correct, ls.points)
                for s in stats
                for level, ls in s.by_level.items()
            ],
        )
        await self._conn.executemany(
            "INSERT INTO period_points (guild_id, period, member_id, points) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id, period, member_id) DO UPDATE "
            "SET points = period_points.points + excluded.points",
            [(p.guild_id, p.period, p.member_id, p.points) for p in period],
        )

    async def set_last_revealed_seq(self, guild_id: str, seq: int) -> None:
        await self._conn.execute(
            "UPDATE guilds SET last_revealed_seq = GREATEST(last_revealed_seq, $1) "
            "WHERE guild_id = $2",
            seq,
            guild_id,
        )

    async def bag(self, guild_id: str, key: str) -> tuple[list[str], str | None]:
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
        await self._conn.execute(
            "INSERT INTO bags (guild_id, bag_key, remaining, last_drawn) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (guild_id, bag_key) DO UPDATE SET remaining = excluded.remaining, "
            "last_drawn = excluded.last_drawn",
            guild_id,
            key,
            ",".join(remaining),
            last,
        )
