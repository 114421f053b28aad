"""The SQLite store on aiosqlite: one connection per process, WAL, every SQL statement here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.core.model import (
    Answer,
    BoardEntry,
    GuildConfig,
    LevelStats,
    Member,
    MemberStats,
    Post,
    PostKind,
)
from bot.core.ports import NewPost, PeriodPoints, StoreTx
from bot.core.questions import Difficulty
from bot.storage.migrate import migrate
from bot.storage.preflight import check_database_file
from bot.storage.sqlite_community import CommunityReads, CommunityWrites
from bot.storage.sqlite_learning import LearningWrites, excluded_above, not_excluded
from bot.storage.sqlite_learning_reads import LearningReads
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

_POST_COLUMNS = (
    "post_id, guild_id, platform, channel_id, message_id, kind, question_id, difficulty, "
    "choice_order, owner_id, local_date, daily_seq, posted_at, reveal_at, revealed_at"
)
_GUILD_COLUMNS = (
    "guild_id, platform, channel_id, post_time, timezone, daily_reveal_s, draw_reveal_s, "
    "difficulty, days, paused, ping_role, last_error, last_error_at"
)


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _post(row: Sequence[Any]) -> Post:
    return Post(
        post_id=row[0],
        guild_id=row[1],
        platform=row[2],
        channel_id=row[3],
        message_id=row[4],
        kind=PostKind(row[5]),
        question_id=row[6],
        difficulty=Difficulty(row[7]),
        choice_order=tuple(int(i) for i in row[8].split(",") if i),
        owner_id=row[9],
        local_date=row[10],
        daily_seq=row[11],
        posted_at=datetime.fromtimestamp(row[12], UTC),
        reveal_at=datetime.fromtimestamp(row[13], UTC),
        revealed_at=_dt(row[14]),
    )


def _guild(row: Sequence[Any]) -> GuildConfig:
    hour, minute = (int(part) for part in row[3].split(":"))
    return GuildConfig(
        guild_id=row[0],
        platform=row[1],
        channel_id=row[2],
        post_time=time(hour, minute),
        timezone=row[4],
        daily_reveal_s=row[5],
        draw_reveal_s=row[6],
        difficulty=row[7],
        days=frozenset(int(d) for d in row[8].split(",") if d),
        paused=bool(row[9]),
        ping_role=row[10],
        last_error=row[11],
        last_error_at=_dt(row[12]),
    )


def _answer(row: Sequence[Any]) -> Answer:
    return Answer(
        post_id=row[0],
        member=Member(row[1], row[2]),
        choice=row[3],
        text=row[4],
        answered_at=datetime.fromtimestamp(row[5], UTC),
    )


def _ranked(rows: Iterable[Sequence[Any]], first_rank: int = 1) -> list[BoardEntry]:
    """Competition ranking: equal values share a rank, the next rank skips (1, 2, 2, 4)."""
    entries: list[BoardEntry] = []
    for position, (member_id, name, value) in enumerate(rows):
        rank = entries[-1].rank if entries and entries[-1].value == value else first_rank + position
        entries.append(BoardEntry(rank, member_id, name, value))
    return entries


class _Queries:
    """Statement helpers on one connection; each query is a single trip to its thread."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _one(self, sql: str, params: Sequence[Any]) -> Any:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def _all(self, sql: str, params: Sequence[Any]) -> Iterable[Any]:
        return await self._conn.execute_fetchall(sql, params)


# Fair play and the learning loop (migration 0003) live in the sqlite_learning* mixins, the
# community features (migration 0004) in sqlite_community's.
class SqliteStore(CommunityReads, LearningReads, _Queries):
    """The Store port: all writes on one connection through the single writer, reads on a
    second, read-only connection. WAL lets that reader see only committed data while a
    write batch is open, and keeps reads from queueing behind commits."""

    def __init__(
        self, writer_conn: aiosqlite.Connection, reader_conn: aiosqlite.Connection
    ) -> None:
        super().__init__(reader_conn)
        self._writer_conn = writer_conn
        self._writer = Writer(writer_conn, UPSERT_ANSWER)
        self._tx = _SqliteTx(writer_conn)
        self._reads = _SqliteTx(reader_conn)

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
            _ts(answer.answered_at),
        )
        return await self._writer.answer(answer.post_id, values)

    # -- reads ----------------------------------------------------------------

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration."""
        return await self._reads.guild(guild_id)

    async def guilds(self, platform: str) -> list[GuildConfig]:
        """Every configured guild of a platform."""
        rows = await self._all(
            f"SELECT {_GUILD_COLUMNS} FROM guilds WHERE platform = ?",
            (platform,),
        )
        return [_guild(row) for row in rows]

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        return await self._reads.post(post_id)

    async def open_posts(self, platform: str) -> list[Post]:
        """Unrevealed posts of a platform, soonest reveal first."""
        rows = await self._all(
            f"SELECT {_POST_COLUMNS} FROM posts "
            "WHERE platform = ? AND revealed_at IS NULL ORDER BY reveal_at",
            (platform,),
        )
        return [_post(row) for row in rows]

    async def open_daily(self, guild_id: str) -> Post | None:
        """The guild's unrevealed daily post, if any."""
        return await self._reads.open_daily(guild_id)

    async def answer_of(self, post_id: int, member_id: str) -> Answer | None:
        """A member's answer to a post."""
        row = await self._one(
            "SELECT post_id, member_id, member_name, choice, text, answered_at "
            "FROM answers WHERE post_id = ? AND member_id = ?",
            (post_id, member_id),
        )
        return _answer(row) if row else None

    async def member_stats(self, guild_id: str, member_id: str) -> MemberStats | None:
        """A member's totals with the per-level breakdown."""
        found = await self._reads.load_stats(guild_id, [member_id])
        return found.get(member_id)

    async def last_revealed_seq(self, guild_id: str) -> int:
        """The newest revealed daily's sequence number, 0 before the first."""
        row = await self._one(
            "SELECT last_revealed_seq FROM guilds WHERE guild_id = ?", (guild_id,)
        )
        return int(row[0]) if row else 0

    async def top_points(self, guild_id: str, period: str | None, limit: int) -> list[BoardEntry]:
        """The top of the points board for all time (`period` None) or one week/month."""
        if period is None:
            rows = await self._all(
                "SELECT member_id, name, points FROM member_stats AS s "
                f"WHERE guild_id = ? AND points > 0 AND {not_excluded('s')} "
                "ORDER BY points DESC, member_id LIMIT ?",
                (guild_id, limit),
            )
        else:
            rows = await self._all(
                "SELECT p.member_id, s.name, p.points FROM period_points AS p "
                "JOIN member_stats AS s ON s.guild_id = p.guild_id AND s.member_id = p.member_id "
                f"WHERE p.guild_id = ? AND p.period = ? AND p.points > 0 AND {not_excluded('p')} "
                "ORDER BY p.points DESC, p.member_id LIMIT ?",
                (guild_id, period, limit),
            )
        return _ranked(rows)

    async def points_rank(
        self, guild_id: str, period: str | None, member_id: str
    ) -> BoardEntry | None:
        """A member's rank and points; None without points in the period."""
        if period is None:
            row = await self._one(
                "SELECT name, points, (SELECT COUNT(*) FROM member_stats AS o "
                "  WHERE o.guild_id = s.guild_id AND o.points > s.points) - "
                f"{excluded_above('member_stats', 's', 'points')} "
                "FROM member_stats AS s WHERE guild_id = ? AND member_id = ? AND points > 0 "
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
                "WHERE p.guild_id = ? AND p.period = ? AND p.member_id = ? AND p.points > 0 "
                f"AND {not_excluded('p')}",
                (guild_id, period, member_id),
            )
        return BoardEntry(row[2] + 1, member_id, row[0], row[1]) if row else None

    async def top_streaks(self, guild_id: str, seq: int, limit: int) -> list[BoardEntry]:
        """The longest current streaks: those that reached daily post `seq`."""
        rows = await self._all(
            "SELECT member_id, name, streak FROM member_stats AS s "
            f"WHERE guild_id = ? AND streak_seq = ? AND streak > 0 AND {not_excluded('s')} "
            "ORDER BY streak DESC, member_id LIMIT ?",
            (guild_id, seq, limit),
        )
        return _ranked(rows)

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


class _SqliteTx(CommunityWrites, LearningWrites, _Queries):
    """The StoreTx port: statements run inside the writer's current transaction."""

    async def guild(self, guild_id: str) -> GuildConfig | None:
        row = await self._one(
            f"SELECT {_GUILD_COLUMNS} FROM guilds WHERE guild_id = ?",
            (guild_id,),
        )
        return _guild(row) if row else None

    async def save_guild(self, config: GuildConfig) -> None:
        await self._conn.execute(
            f"INSERT INTO guilds ({_GUILD_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET platform = excluded.platform, "
            "channel_id = excluded.channel_id, post_time = excluded.post_time, "
            "timezone = excluded.timezone, daily_reveal_s = excluded.daily_reveal_s, "
            "draw_reveal_s = excluded.draw_reveal_s, difficulty = excluded.difficulty, "
            "days = excluded.days, paused = excluded.paused, ping_role = excluded.ping_role, "
            "last_error = excluded.last_error, last_error_at = excluded.last_error_at",
            (
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
                _ts(config.last_error_at) if config.last_error_at else None,
            ),
        )

    async def post(self, post_id: int) -> Post | None:
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE post_id = ?",
            (post_id,),
        )
        return _post(row) if row else None

    async def insert_post(self, draft: NewPost) -> Post:
        seq = None
        if draft.kind is PostKind.DAILY:
            row = await self._one(
                "SELECT COALESCE(MAX(daily_seq), 0) + 1 FROM posts "
                "WHERE guild_id = ? AND kind = 'daily'",
                (draft.guild_id,),
            )
            seq = int(row[0])
        cursor = await self._conn.execute(
            "INSERT INTO posts (guild_id, platform, channel_id, kind, question_id, difficulty, "
            "choice_order, owner_id, local_date, daily_seq, posted_at, reveal_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                seq,
                _ts(draft.posted_at),
                _ts(draft.reveal_at),
            ),
        )
        post_id = cursor.lastrowid
        await cursor.close()
        assert post_id is not None
        post = await self.post(post_id)
        assert post is not None
        return post

    async def delete_post(self, post_id: int) -> None:
        await self._conn.execute("DELETE FROM posts WHERE post_id = ?", (post_id,))

    async def set_message_id(self, post_id: int, message_id: str) -> None:
        await self._conn.execute(
            "UPDATE posts SET message_id = ? WHERE post_id = ?", (message_id, post_id)
        )

    async def daily_on(self, guild_id: str, local_date: str) -> Post | None:
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts "
            "WHERE guild_id = ? AND kind = 'daily' AND local_date = ?",
            (guild_id, local_date),
        )
        return _post(row) if row else None

    async def open_draw(self, channel_id: str) -> Post | None:
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts "
            "WHERE channel_id = ? AND kind = 'draw' AND revealed_at IS NULL",
            (channel_id,),
        )
        return _post(row) if row else None

    async def open_daily(self, guild_id: str) -> Post | None:
        row = await self._one(
            f"SELECT {_POST_COLUMNS} FROM posts "
            "WHERE guild_id = ? AND kind = 'daily' AND revealed_at IS NULL "
            "ORDER BY daily_seq LIMIT 1",
            (guild_id,),
        )
        return _post(row) if row else None

    async def mark_revealed(self, post_id: int, at: datetime) -> bool:
        cursor = await self._conn.execute(
            "UPDATE posts SET revealed_at = ? WHERE post_id = ? AND revealed_at IS NULL",
            (_ts(at), post_id),
        )
        changed = cursor.rowcount == 1
        await cursor.close()
        return changed

    async def answers(self, post_id: int) -> list[Answer]:
        rows = await self._all(
            "SELECT post_id, member_id, member_name, choice, text, answered_at "
            "FROM answers WHERE post_id = ?",
            (post_id,),
        )
        return [_answer(row) for row in rows]

    async def set_graded(self, post_id: int, grades: Sequence[tuple[str, bool | None]]) -> None:
        await self._conn.executemany(
            "UPDATE answers SET correct = ? WHERE post_id = ? AND member_id = ?",
            [(None if ok is None else int(ok), post_id, member) for member, ok in grades],
        )

    async def self_grade(self, post_id: int, member_id: str, correct: bool) -> Answer | None:
        cursor = await self._conn.execute(
            "UPDATE answers SET correct = ?, self_graded = 1 "
            "WHERE post_id = ? AND member_id = ? AND self_graded = 0 AND correct IS NULL",
            (int(correct), post_id, member_id),
        )
        changed = cursor.rowcount == 1
        await cursor.close()
        if not changed:
            return None
        row = await self._one(
            "SELECT post_id, member_id, member_name, choice, text, answered_at "
            "FROM answers WHERE post_id = ? AND member_id = ?",
            (post_id, member_id),
        )
        return _answer(row)

    async def load_stats(self, guild_id: str, member_ids: Sequence[str]) -> dict[str, MemberStats]:
        """Existing stats of these members (with levels), keyed by member id."""
        found: dict[str, MemberStats] = {}
        # Chunks stay below SQLite's bound-parameter limit.
        for start in range(0, len(member_ids), 500):
            chunk = list(member_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = await self._all(
                "SELECT member_id, name, points, answered, correct, streak, best_streak, "
                f"streak_seq FROM member_stats WHERE guild_id = ? AND member_id IN ({marks})",
                (guild_id, *chunk),
            )
            for row in rows:
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
            "streak, best_streak, streak_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
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
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, member_id, difficulty) DO UPDATE "
            "SET answered = excluded.answered, correct = excluded.correct, "
            "points = excluded.points",
            [
                (s.guild_id, s.member_id, level.value, ls.answered, ls.correct, ls.points)
                for s in stats
                for level, ls in s.by_level.items()
            ],
        )
        await self._conn.executemany(
            "INSERT INTO period_points (guild_id, period, member_id, points) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, period, member_id) DO UPDATE "
            "SET points = points + excluded.points",
            [(p.guild_id, p.period, p.member_id, p.points) for p in period],
        )

    async def set_last_revealed_seq(self, guild_id: str, seq: int) -> None:
        await self._conn.execute(
            "UPDATE guilds SET last_revealed_seq = MAX(last_revealed_seq, ?) WHERE guild_id = ?",
            (seq, guild_id),
        )

    async def bag(self, guild_id: str, key: str) -> tuple[list[str], str | None]:
        row = await self._one(
            "SELECT remaining, last_drawn FROM bags WHERE guild_id = ? AND bag_key = ?",
            (guild_id, key),
        )
        if row is None:
            return [], None
        return [qid for qid in row[0].split(",") if qid], row[1]

    async def save_bag(self, guild_id: str, key: str, remaining: list[str], last: str) -> None:
        await self._conn.execute(
            "INSERT INTO bags (guild_id, bag_key, remaining, last_drawn) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, bag_key) DO UPDATE SET remaining = excluded.remaining, "
            "last_drawn = excluded.last_drawn",
            (guild_id, key, ",".join(remaining), last),
        )
