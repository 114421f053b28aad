"""The SQLite store on aiosqlite: one connection per process, WAL, every SQL statement here
(and in the rows, tx and outbox modules beside it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import aiosqlite

from bot.core.model import Answer, BoardEntry, GuildConfig, MemberStats, Post
from bot.core.ports import StoreTx
from bot.storage import rows
from bot.storage.migrate import migrate
from bot.storage.preflight import check_database_file
from bot.storage.rows import ANSWER_COLUMNS, POST_COLUMNS, Queries, ranked, ts
from bot.storage.sqlite_community import CommunityReads
from bot.storage.sqlite_learning import excluded_above, not_excluded
from bot.storage.sqlite_learning_reads import LearningReads
from bot.storage.tx import SqliteTx
from bot.storage.writer import Writer

log = logging.getLogger(__name__)

T = TypeVar("T")

UPSERT_ANSWER = """
INSERT INTO answers (post_id, member_id, member_name, choice, text, answered_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (post_id, member_id) DO UPDATE SET
    member_name = excluded.member_name,
    choice = excluded.choice,
    text = excluded.text,
    answered_at = excluded.answered_at
"""


# Fair play and the learning loop (migration 0003) live in the sqlite_learning* mixins.
class SqliteStore(CommunityReads, LearningReads, Queries):
    """The Store port: all writes on one connection through the single writer, reads on a
    second, read-only connection. WAL lets that reader see only committed data while a
    write batch is open, and keeps reads from queueing behind commits."""

    def __init__(
        self, writer_conn: aiosqlite.Connection, reader_conn: aiosqlite.Connection
    ) -> None:
        super().__init__(reader_conn)
        self._writer_conn = writer_conn
        self._writer = Writer(writer_conn, UPSERT_ANSWER)
        self._tx = SqliteTx(writer_conn)
        self._reads = SqliteTx(reader_conn)

    def __repr__(self) -> str:
        return "SqliteStore()"

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        """Check the file, connect, set the pragmas, apply migrations and start the writer.

        Raises DatabaseRefused, with a one-line reason, for a file quizbot must not use.
        """
        await asyncio.to_thread(check_database_file, Path(path), create=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        reader: aiosqlite.Connection | None = None
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            # FULL makes each commit durable on power loss too; group commit pays it once per batch.
            await conn.execute("PRAGMA synchronous = FULL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await migrate(conn)
            reader = await aiosqlite.connect(str(path), isolation_level=None)
            await reader.execute("PRAGMA query_only = ON")
            await reader.execute("PRAGMA busy_timeout = 5000")
        except BaseException:
            if reader is not None:
                await reader.close()
            await conn.close()
            raise
        store = cls(conn, reader)
        store._writer.start()
        return store

    async def close(self) -> None:
        """Commit queued writes, then close both connections."""
        await self._writer.close()
        await self._conn.close()
        await self._writer_conn.execute("PRAGMA optimize")
        await self._writer_conn.close()

    # -- writes ---------------------------------------------------------------

    async def write(self, job: Callable[[StoreTx], Awaitable[T]]) -> T:
        """Run `job` in the writer's next transaction; returns once committed."""
        result: T = await self._writer.run_job(lambda: job(self._tx))
        return result

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
        return await self._writer.answer(answer.post_id, values)

    # -- reads ----------------------------------------------------------------

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration."""
        return await self._reads.guild(guild_id)

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        return await self._reads.post(post_id)

    async def open_posts(self, platform: str) -> list[Post]:
        """Unrevealed posts of a platform, soonest reveal first."""
        found = await self._all(
            f"SELECT {POST_COLUMNS} FROM posts "
            "WHERE platform = ? AND revealed_at IS NULL ORDER BY reveal_at",
            (platform,),
        )
        return [rows.post(row) for row in found]

    async def due_reveals(self, platform: str, now: datetime, limit: int) -> list[Post]:
        """Delivered public posts whose reveal time has come, soonest first."""
        found = await self._all(
            f"SELECT {POST_COLUMNS} FROM posts WHERE platform = ? AND revealed_at IS NULL "
            "AND delivered_at IS NOT NULL AND reveal_at <= ? AND kind != 'private' "
            "ORDER BY reveal_at LIMIT ?",
            (platform, ts(now), limit),
        )
        return [rows.post(row) for row in found]

    async def guilds_due(self, platform: str, now: datetime) -> list[str]:
        """Guilds whose next daily slot has come."""
        found = await self._all(
            "SELECT guild_id FROM guilds WHERE platform = ? AND next_due_at IS NOT NULL "
            "AND next_due_at <= ? ORDER BY next_due_at",
            (platform, ts(now)),
        )
        return [row[0] for row in found]

    async def next_delivery_at(self, platform: str) -> datetime | None:
        """When the earliest pending delivery can next be tried."""
        return await self._reads.next_delivery_at(platform)

    async def claim_overdue(
        self, platform: str, due_by: datetime, owner: str, now: datetime, lease_s: int, limit: int
    ) -> list[Post]:
        """Overdue public posts; one process owns a SQLite file, so no lease is needed."""
        found = await self._all(
            f"SELECT {POST_COLUMNS} FROM posts WHERE platform = ? AND revealed_at IS NULL "
            "AND delivered_at IS NOT NULL AND reveal_at <= ? AND kind <> 'private' "
            "ORDER BY reveal_at LIMIT ?",
            (platform, ts(due_by), limit),
        )
        return [rows.post(row) for row in found]

    async def answer_of(self, post_id: int, member_id: str) -> Answer | None:
        """A member's answer to a post."""
        row = await self._one(
            f"SELECT {ANSWER_COLUMNS} FROM answers WHERE post_id = ? AND member_id = ?",
            (post_id, member_id),
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
        return await self._reads.last_revealed_seq(guild_id)

    async def top_points(self, guild_id: str, period: str | None, limit: int) -> list[BoardEntry]:
        """The top of the points board for all time (`period` None) or one week/month."""
        if period is None:
            found = await self._all(
                "SELECT member_id, name, points FROM member_stats AS s "
                # Anyone who answered is on the board, after those with points if need be.
                f"WHERE guild_id = ? AND answered > 0 AND {not_excluded('s')} "
                "ORDER BY points DESC, member_id LIMIT ?",
                (guild_id, limit),
            )
        else:
            found = await self._all(
                "SELECT p.member_id, s.name, p.points FROM period_points AS p "
                "JOIN member_stats AS s ON s.guild_id = p.guild_id AND s.member_id = p.member_id "
                # A row means the member was graded in the period, with 0 points if need be.
                f"WHERE p.guild_id = ? AND p.period = ? AND {not_excluded('p')} "
                "ORDER BY p.points DESC, p.member_id LIMIT ?",
                (guild_id, period, limit),
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
                "FROM member_stats AS s WHERE guild_id = ? AND member_id = ? AND answered > 0 "
                f"AND {not_excluded('s')}",
                (guild_id, member_id),
            )
        else:
            row = await self._one(
                "SELECT s.name, p.points, (SELECT COUNT(*) FROM period_points AS o "
                "  WHERE o.guild_id = p.guild_id AND o.period = p.period "
                "  AND o.points > p.points) - "
                f"{excluded_above('period_points', 'p', 'points', 'e.period = p.period')} "
                "FROM period_points AS p JOIN member_stats AS s "
                "  ON s.guild_id = p.guild_id AND s.member_id = p.member_id "
                "WHERE p.guild_id = ? AND p.period = ? AND p.member_id = ? "
                f"AND {not_excluded('p')}",
                (guild_id, period, member_id),
            )
        return BoardEntry(row[2] + 1, member_id, row[0], row[1]) if row else None

    async def top_streaks(self, guild_id: str, seq: int, limit: int) -> list[BoardEntry]:
        """The longest current streaks: those that reached daily post `seq`."""
        found = await self._all(
            "SELECT member_id, name, streak FROM member_stats AS s "
            f"WHERE guild_id = ? AND streak_seq = ? AND streak > 0 AND {not_excluded('s')} "
            "ORDER BY streak DESC, member_id LIMIT ?",
            (guild_id, seq, limit),
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
            "WHERE guild_id = ? AND member_id = ? AND streak_seq = ? AND streak > 0 "
            f"AND {not_excluded('s')}",
            (guild_id, member_id, seq),
        )
        return BoardEntry(row[2] + 1, member_id, row[0], row[1]) if row else None
