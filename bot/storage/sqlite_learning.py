"""The SQLite side of fair play and the learning loop (migration 0003): mixed into the store.

`LearningWrites` joins the writer's transaction view and `LearningReads`
(sqlite_learning_reads) the store's read-only side; both run on the connection of the
class they are mixed into.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.core.learning_model import (
    AuditEntry,
    Footprint,
    Savers,
    StoredCard,
)


def not_excluded(table: str) -> str:
    """A WHERE condition keeping members an admin excluded off the boards."""
    return (
        "NOT EXISTS (SELECT 1 FROM excluded_members AS x "
        f"WHERE x.guild_id = {table}.guild_id AND x.member_id = {table}.member_id)"
    )


CARD_COLUMNS = "guild_id, member_id, question_id, card, due_at, reviewed_at, answered, correct"
_LIVE_QUESTIONS = (
    "SELECT DISTINCT question_id FROM posts "
    "WHERE guild_id = ? AND revealed_at IS NULL AND kind IN ('daily', 'draw')"
)


def excluded_above(table: str, outer: str, column: str, also: str = "1") -> str:
    """A subquery counting excluded members ranked above the outer row, to subtract from a rank.

    Walking the few excluded members keeps the rank's own count a plain index range; the
    CROSS JOIN makes SQLite start from them rather than from every member ranked above.
    """
    return (
        f"(SELECT COUNT(*) FROM excluded_members AS x CROSS JOIN {table} AS e "
        "ON e.guild_id = x.guild_id AND e.member_id = x.member_id "
        f"WHERE x.guild_id = {outer}.guild_id AND e.{column} > {outer}.{column} AND {also})"
    )


def ts(when: datetime) -> int:
    return int(when.timestamp())


def dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def card_of(row: Sequence[Any]) -> StoredCard:
    return StoredCard(
        guild_id=row[0],
        member_id=row[1],
        question_id=row[2],
        state=row[3],
        due_at=datetime.fromtimestamp(row[4], UTC),
        reviewed_at=datetime.fromtimestamp(row[5], UTC),
        answered=row[6],
        correct=row[7],
    )


def savers_of(row: Sequence[Any]) -> Savers:
    return Savers(held=row[0], run=row[1], last_used_at=dt(row[2]))


class Rows:
    """Statement helpers and the reads both sides share, on the host class's connection."""

    _conn: aiosqlite.Connection

    async def _row(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> Any:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def _rows(self, sql: str, params: Sequence[Any]) -> Iterable[Any]:
        return await self._conn.execute_fetchall(sql, params)

    async def _rowcount(self, sql: str, params: Sequence[Any]) -> int:
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return max(count, 0)

    async def live_questions(self, guild_id: str) -> set[str]:
        """Question ids of the guild's unrevealed public posts (draws and dailies)."""
        return {row[0] for row in await self._rows(_LIVE_QUESTIONS, (guild_id,))}

    async def selfgrade_scores(self, guild_id: str) -> bool:
        """True when self-graded answers score points and streaks in the guild."""
        row = await self._row(
            "SELECT selfgrade_scores FROM guild_rules WHERE guild_id = ?", (guild_id,)
        )
        return bool(row and row[0])


class LearningWrites(Rows):
    """StoreTx methods of migration 0003, inside the writer's current transaction."""

    async def cards(
        self, guild_id: str, question_id: str, member_ids: Sequence[str]
    ) -> dict[str, StoredCard]:
        """Members' review cards for one question, by member id (absent: none yet)."""
        found: dict[str, StoredCard] = {}
        # Chunks stay below SQLite's bound-parameter limit.
        for start in range(0, len(member_ids), 500):
            chunk = list(member_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = await self._rows(
                f"SELECT {CARD_COLUMNS} FROM review_cards "
                f"WHERE guild_id = ? AND question_id = ? AND member_id IN ({marks})",
                (guild_id, question_id, *chunk),
            )
            for row in rows:
                found[row[1]] = card_of(row)
        return found

    async def save_cards(self, cards: Sequence[StoredCard]) -> None:
        """Insert or replace review cards."""
        await self._conn.executemany(
            f"INSERT OR REPLACE INTO review_cards ({CARD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    card.guild_id,
                    card.member_id,
                    card.question_id,
                    card.state,
                    ts(card.due_at),
                    ts(card.reviewed_at),
                    card.answered,
                    card.correct,
                )
                for card in cards
            ],
        )

    async def streak_holders(self, guild_id: str, seq: int) -> list[str]:
        """Members whose streak (above zero) reached daily post `seq`."""
        rows = await self._rows(
            "SELECT member_id FROM member_stats "
            "WHERE guild_id = ? AND streak_seq = ? AND streak > 0 ORDER BY member_id",
            (guild_id, seq),
        )
        return [row[0] for row in rows]

    async def bridge_streaks(self, guild_id: str, member_ids: Sequence[str], seq: int) -> None:
        """Carry these members' streaks over daily post `seq` unchanged."""
        await self._conn.executemany(
            "UPDATE member_stats SET streak_seq = ? WHERE guild_id = ? AND member_id = ?",
            [(seq, guild_id, member_id) for member_id in member_ids],
        )

    async def savers(self, guild_id: str, member_ids: Sequence[str]) -> dict[str, Savers]:
        """Stored savers of these members (absent members have none)."""
        found: dict[str, Savers] = {}
        for start in range(0, len(member_ids), 500):
            chunk = list(member_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = await self._rows(
                "SELECT member_id, held, run, last_used_at FROM streak_savers "
                f"WHERE guild_id = ? AND member_id IN ({marks})",
                (guild_id, *chunk),
            )
            for row in rows:
                found[row[0]] = savers_of(row[1:])
        return found

    async def save_savers(self, guild_id: str, savers: dict[str, Savers]) -> None:
        """Insert or replace members' savers."""
        await self._conn.executemany(
            "INSERT OR REPLACE INTO streak_savers (guild_id, member_id, held, run, last_used_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (
                    guild_id,
                    member_id,
                    s.held,
                    s.run,
                    ts(s.last_used_at) if s.last_used_at else None,
                )
                for member_id, s in sorted(savers.items())
            ],
        )

    async def set_selfgrade_scores(self, guild_id: str, scores: bool) -> None:
        """Turn scoring of self-graded answers on or off."""
        await self._conn.execute(
            "INSERT INTO guild_rules (guild_id, selfgrade_scores) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET selfgrade_scores = excluded.selfgrade_scores",
            (guild_id, int(scores)),
        )

    async def set_excluded(self, guild_id: str, member_id: str, at: datetime | None) -> bool:
        """Exclude a member (`at`) or include them again (None); False when nothing changed."""
        if at is None:
            return bool(
                await self._rowcount(
                    "DELETE FROM excluded_members WHERE guild_id = ? AND member_id = ?",
                    (guild_id, member_id),
                )
            )
        return bool(
            await self._rowcount(
                "INSERT OR IGNORE INTO excluded_members (guild_id, member_id, excluded_at) "
                "VALUES (?, ?, ?)",
                (guild_id, member_id, ts(at)),
            )
        )

    async def drop_open_answers(self, guild_id: str, member_id: str) -> int:
        """Delete a member's answers to the guild's unrevealed posts; how many there were."""
        return await self._rowcount(
            "DELETE FROM answers WHERE member_id = ? AND post_id IN "
            "(SELECT post_id FROM posts WHERE guild_id = ? AND revealed_at IS NULL)",
            (member_id, guild_id),
        )

    async def reset_member(self, guild_id: str, member_id: str) -> bool:
        """Zero a member's points, streaks and savers; False when they have no stats."""
        key = (guild_id, member_id)
        changed = await self._rowcount(
            "UPDATE member_stats SET points = 0, streak = 0, best_streak = 0 "
            "WHERE guild_id = ? AND member_id = ?",
            key,
        )
        await self._conn.execute(
            "UPDATE level_stats SET points = 0 WHERE guild_id = ? AND member_id = ?", key
        )
        # Zeroed, not deleted: the member did answer then, so stays on those boards at 0.
        await self._conn.execute(
            "UPDATE period_points SET points = 0 WHERE guild_id = ? AND member_id = ?", key
        )
        await self._conn.execute(
            "DELETE FROM streak_savers WHERE guild_id = ? AND member_id = ?", key
        )
        return changed > 0

    async def forget_member(self, guild_id: str, member_id: str) -> Footprint:
        """Delete every row about a member in a guild; what was deleted."""
        key = (guild_id, member_id)
        answers = await self._rowcount(
            "DELETE FROM answers WHERE member_id = ? AND post_id IN "
            "(SELECT post_id FROM posts WHERE guild_id = ?)",
            (member_id, guild_id),
        )
        stats = 0
        for table in ("member_stats", "level_stats", "period_points"):
            stats += await self._rowcount(
                f"DELETE FROM {table} WHERE guild_id = ? AND member_id = ?", key
            )
        cards = await self._rowcount(
            "DELETE FROM review_cards WHERE guild_id = ? AND member_id = ?", key
        )
        savers = await self._rowcount(
            "DELETE FROM streak_savers WHERE guild_id = ? AND member_id = ?", key
        )
        other = 0
        for table in ("review_reminders", "excluded_members"):
            other += await self._rowcount(
                f"DELETE FROM {table} WHERE guild_id = ? AND member_id = ?", key
            )
        # Their private practice posts and practice shuffle bags.
        other += await self._rowcount(
            "DELETE FROM posts WHERE guild_id = ? AND owner_id = ?", (guild_id, member_id)
        )
        prefix = f"private:{member_id}:"
        other += await self._rowcount(
            "DELETE FROM bags WHERE guild_id = ? AND substr(bag_key, 1, ?) = ?",
            (guild_id, len(prefix), prefix),
        )
        # The audit log keeps that an action happened, not who it was about or by.
        other += await self._rowcount(
            "UPDATE audit_log SET target_id = NULL, detail = '(a forgotten member)' "
            "WHERE guild_id = ? AND target_id = ?",
            key,
        )
        other += await self._rowcount(
            "UPDATE audit_log SET actor_id = '', actor_name = '(forgotten)' "
            "WHERE guild_id = ? AND actor_id = ?",
            key,
        )
        return Footprint(answers=answers, stats=stats, cards=cards, savers=savers, other=other)

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append an admin action to the audit log."""
        await self._conn.execute(
            "INSERT INTO audit_log (guild_id, actor_id, actor_name, action, target_id, detail, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.guild_id,
                entry.actor_id,
                entry.actor_name,
                entry.action,
                entry.target_id,
                entry.detail,
                ts(entry.at),
            ),
        )

    async def set_reminder(self, guild_id: str, member_id: str, on: bool) -> None:
        """Turn a member's review reminder on or off."""
        if on:
            await self._conn.execute(
                "INSERT OR IGNORE INTO review_reminders (guild_id, member_id) VALUES (?, ?)",
                (guild_id, member_id),
            )
        else:
            await self._conn.execute(
                "DELETE FROM review_reminders WHERE guild_id = ? AND member_id = ?",
                (guild_id, member_id),
            )

    async def mark_reminded(self, guild_id: str, member_id: str, at: datetime) -> None:
        """Remember when a member was last reminded."""
        await self._conn.execute(
            "UPDATE review_reminders SET last_sent_at = ? WHERE guild_id = ? AND member_id = ?",
            (ts(at), guild_id, member_id),
        )
