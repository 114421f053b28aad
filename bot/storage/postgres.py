"""The PostgreSQL store on asyncpg: a pool per process, every SQL statement here (and in
the pg_* modules beside it).

Laid out like bot/storage/sqlite.py. Where SQLite relies on its single writer, this store
relies on row locks instead, because several processes (shards) write at once: a read
that a write depends on locks what it read (the guild row for totals, shuffle bags, cards,
savers and the one daily per day; the post row for an answer), so concurrent
transactions queue, never race. Work any process may pick up (deliveries, overdue
reveals) is claimed with FOR UPDATE SKIP LOCKED and a lease.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from bot.core.model import Answer, BoardEntry, GuildConfig, MemberStats, Post
from bot.core.ports import StoreTx
from bot.storage import rows
from bot.storage.pg_community import PgCommunityReads
from bot.storage.pg_connect import connect_pool
from bot.storage.pg_learning import not_excluded
from bot.storage.pg_learning_reads import PgStoreLearningReads
from bot.storage.pg_tx import PostgresTx
from bot.storage.pg_writer import AnswerBatcher, retrying
from bot.storage.rows import ANSWER_COLUMNS, GUILD_COLUMNS, POST_COLUMNS, ranked, ts

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


def excluded_above(table: str, outer: str, column: str, also: str = "TRUE") -> str:
    """A subquery counting excluded members ranked above the outer row, to subtract."""
    return (
        f"(SELECT COUNT(*) FROM excluded_members AS x JOIN {table} AS e "
        "ON e.guild_id = x.guild_id AND e.member_id = x.member_id "
        f"WHERE x.guild_id = {outer}.guild_id AND e.{column} > {outer}.{column} AND {also})"
    )


# The learning loop's and the community features' reads live in their mixins.
class PostgresStore(PgStoreLearningReads, PgCommunityReads):
    """The Store port on a connection pool: each write job is one transaction of its own,
    answers are batched into one statement (group commit), reads use any free connection."""

    def __init__(self, pool: asyncpg.Pool[Any], *, batch_answers: bool = True) -> None:
        super().__init__(pool)
        self._pool = pool
        # Batching is what runs; one transaction per answer is kept for the benchmark that
        # shows why (see `make bench`, pg_answers_per_s against pg_per_answer_tx_per_s).
        self._answers = AnswerBatcher(pool, UPSERT_ANSWERS) if batch_answers else None
        self._reads = PostgresTx(pool)

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
                return await job(PostgresTx(conn))

        return await retrying(attempt)

    async def submit_answer(self, answer: Answer) -> bool:
        """Commit one answer; False when its post has been revealed meanwhile."""
        values = (
            answer.post_id,
            answer.member.id,
            answer.member.name,
            answer.choice,
            answer.text,
            ts(answer.answered_at),
        )
        if self._answers is None:
            columns = [[value] for value in values]
            return bool(await retrying(lambda: self._pool.fetch(UPSERT_ANSWERS, *columns)))
        return await self._answers.answer(answer.post_id, values)

    # -- reads ----------------------------------------------------------------

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration."""
        row = await self._one(
            f"SELECT {GUILD_COLUMNS}, next_due_at FROM guilds WHERE guild_id = $1", guild_id
        )
        return rows.guild(row) if row else None

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        return await self._reads.post(post_id)

    async def open_posts(self, platform: str) -> list[Post]:
        """Unrevealed posts of a platform, soonest reveal first."""
        found = await self._all(
            f"SELECT {POST_COLUMNS} FROM posts "
            "WHERE platform = $1 AND revealed_at IS NULL ORDER BY reveal_at, post_id",
            platform,
        )
        return [rows.post(row) for row in found]

    async def due_reveals(self, platform: str, now: datetime, limit: int) -> list[Post]:
        """Delivered public posts whose reveal time has come, soonest first."""
        found = await self._all(
            f"SELECT {POST_COLUMNS} FROM posts WHERE platform = $1 AND revealed_at IS NULL "
            "AND delivered_at IS NOT NULL AND reveal_at <= $2 AND kind <> 'private' "
            "ORDER BY reveal_at, post_id LIMIT $3",
            platform,
            ts(now),
            limit,
        )
        return [rows.post(row) for row in found]

    async def guilds_due(self, platform: str, now: datetime) -> list[str]:
        """Guilds whose next daily slot has come."""
        found = await self._all(
            "SELECT guild_id FROM guilds WHERE platform = $1 AND next_due_at IS NOT NULL "
            "AND next_due_at <= $2 ORDER BY next_due_at, guild_id",
            platform,
            ts(now),
        )
        return [row[0] for row in found]

    async def next_delivery_at(self, platform: str) -> datetime | None:
        """When the earliest pending delivery can next be tried."""
        return await self._reads.next_delivery_at(platform)

    async def claim_overdue(
        self, platform: str, due_by: datetime, owner: str, now: datetime, lease_s: int, limit: int
    ) -> list[Post]:
        """Lease overdue public posts to `owner`; rows another process holds are skipped."""
        found = await self._all(
            "UPDATE posts SET lease_owner = $3, lease_until = $4 + $5::bigint "
            "WHERE post_id IN (SELECT post_id FROM posts WHERE platform = $1 "
            "  AND revealed_at IS NULL AND delivered_at IS NOT NULL AND reveal_at <= $2 "
            "  AND kind <> 'private' AND (lease_until IS NULL OR lease_until <= $4) "
            "  ORDER BY reveal_at LIMIT $6 FOR UPDATE SKIP LOCKED) "
            f"RETURNING {POST_COLUMNS}",
            platform,
            ts(due_by),
            owner,
            ts(now),
            lease_s,
            limit,
        )
        return sorted((rows.post(row) for row in found), key=lambda post: post.reveal_at)

    async def answer_of(self, post_id: int, member_id: str) -> Answer | None:
        """A member's answer to a post."""
        row = await self._one(
            f"SELECT {ANSWER_COLUMNS} FROM answers WHERE post_id = $1 AND member_id = $2",
            post_id,
            member_id,
        )
        return rows.answer(row) if row else None

    async def answers(self, post_id: int) -> list[Answer]:
        """Every answer to a post."""
        return await self._reads.answers(post_id)

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
            found = await self._all(
                "SELECT member_id, name, points FROM member_stats AS s "
                # Anyone who answered is on the board, after those with points if need be.
                f"WHERE guild_id = $1 AND answered > 0 AND {not_excluded('s')} "
                "ORDER BY points DESC, member_id LIMIT $2",
                guild_id,
                limit,
            )
        else:
            found = await self._all(
                "SELECT p.member_id, s.name, p.points FROM period_points AS p "
                "JOIN member_stats AS s ON s.guild_id = p.guild_id AND s.member_id = p.member_id "
                # A row means the member was graded in the period, with 0 points if need be.
                f"WHERE p.guild_id = $1 AND p.period = $2 AND {not_excluded('p')} "
                "ORDER BY p.points DESC, p.member_id LIMIT $3",
                guild_id,
                period,
                limit,
            )
        return ranked(found)

    async def points_rank(
        self, guild_id: str, period: str | None, member_id: str
    ) -> BoardEntry | None:
        """A member's rank and points; None when they answered nothing graded in the period."""
        if period is None:
            row = await self._one(
                "SELECT name, points, (SELECT COUNT(*) FROM member_stats AS o "
                "  WHERE o.guild_id = s.guild_id AND o.points > s.points) - "
                f"{excluded_above('member_stats', 's', 'points')} "
                # Anyone who answered is on the all-time board, with 0 points if need be.
                "FROM member_stats AS s WHERE guild_id = $1 AND member_id = $2 AND answered > 0 "
                f"AND {not_excluded('s')}",
                guild_id,
                member_id,
            )
        else:
            row = await self._one(
                "SELECT s.name, p.points, (SELECT COUNT(*) FROM period_points AS o "
                "  WHERE o.guild_id = p.guild_id AND o.period = p.period "
                "  AND o.points > p.points) - "
                f"{excluded_above('period_points', 'p', 'points', 'e.period = p.period')} "
                "FROM period_points AS p JOIN member_stats AS s "
                "  ON s.guild_id = p.guild_id AND s.member_id = p.member_id "
                "WHERE p.guild_id = $1 AND p.period = $2 AND p.member_id = $3 "
                f"AND {not_excluded('p')}",
                guild_id,
                period,
                member_id,
            )
        return BoardEntry(row[2] + 1, member_id, row[0], row[1]) if row else None

    async def top_streaks(self, guild_id: str, seq: int, limit: int) -> list[BoardEntry]:
        """The longest current streaks: those that reached daily post `seq`."""
        found = await self._all(
            "SELECT member_id, name, streak FROM member_stats AS s "
            f"WHERE guild_id = $1 AND streak_seq = $2 AND streak > 0 AND {not_excluded('s')} "
            "ORDER BY streak DESC, member_id LIMIT $3",
            guild_id,
            seq,
            limit,
        )
        return ranked(found)

    async def streak_rank(self, guild_id: str, seq: int, member_id: str) -> BoardEntry | None:
        """A member's rank by current streak; None without a current streak."""
        row = await self._one(
            "SELECT name, streak, (SELECT COUNT(*) FROM member_stats AS o "
            "  WHERE o.guild_id = s.guild_id AND o.streak_seq = s.streak_seq "
            "  AND o.streak > s.streak) - "
            f"{excluded_above('member_stats', 's', 'streak', 'e.streak_seq = s.streak_seq')} "
            "FROM member_stats AS s "
            "WHERE guild_id = $1 AND member_id = $2 AND streak_seq = $3 AND streak > 0 "
            f"AND {not_excluded('s')}",
            guild_id,
            member_id,
            seq,
        )
        return BoardEntry(row[2] + 1, member_id, row[0], row[1]) if row else None
