"""The PostgreSQL side of fair play and the learning loop (writes, in one transaction).

Review cards and streak savers are read, changed and written back, so reading them takes
the guild-row lock (SQLite gets the same from its single writer).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.learning_model import AuditEntry, Footprint, Savers, StoredCard
from bot.storage.pg_queries import PgQueries
from bot.storage.rows import opt_ts, ts
from bot.storage.sqlite_learning import CARD_COLUMNS, card_of, savers_of

# Every table keyed by (guild_id, member_id) that `forget` empties for a member.
_STATS_TABLES = ("member_stats", "level_stats", "period_points")
_OTHER_TABLES = ("review_reminders", "excluded_members")


def not_excluded(table: str) -> str:
    """A WHERE condition keeping members an admin excluded off the boards."""
    return (
        "NOT EXISTS (SELECT 1 FROM excluded_members AS x "
        f"WHERE x.guild_id = {table}.guild_id AND x.member_id = {table}.member_id)"
    )


class PgLearningReads(PgQueries):
    """Reads both sides share."""

    async def live_questions(self, guild_id: str) -> set[str]:
        """Question ids of the guild's unrevealed public posts (draws and dailies)."""
        found = await self._all(
            "SELECT DISTINCT question_id FROM posts "
            "WHERE guild_id = $1 AND revealed_at IS NULL AND kind IN ('daily', 'draw')",
            guild_id,
        )
        return {row[0] for row in found}

    async def selfgrade_scores(self, guild_id: str) -> bool:
        """True when self-graded answers score points and streaks in the guild."""
        row = await self._one(
            "SELECT selfgrade_scores FROM guild_rules WHERE guild_id = $1", guild_id
        )
        return bool(row and row[0])


class PgLearningWrites(PgLearningReads):
    """StoreTx methods of the learning loop, inside one transaction."""

    async def cards(
        self, guild_id: str, question_id: str, member_ids: Sequence[str]
    ) -> dict[str, StoredCard]:
        """Members' review cards for one question, by member id (absent: none yet)."""
        await self._lock_guild(guild_id)
        found = await self._all(
            f"SELECT {CARD_COLUMNS} FROM review_cards "
            "WHERE guild_id = $1 AND question_id = $2 AND member_id = ANY($3::text[])",
            guild_id,
            question_id,
            list(member_ids),
        )
        return {row[1]: card_of(row) for row in found}

    async def save_cards(self, cards: Sequence[StoredCard]) -> None:
        """Insert or replace review cards."""
        await self._conn.executemany(
            f"INSERT INTO review_cards ({CARD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (guild_id, member_id, question_id) DO UPDATE SET card = excluded.card, "
            "due_at = excluded.due_at, reviewed_at = excluded.reviewed_at, "
            "answered = excluded.answered, correct = excluded.correct",
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
        await self._lock_guild(guild_id)
        found = await self._all(
            "SELECT member_id FROM member_stats "
            "WHERE guild_id = $1 AND streak_seq = $2 AND streak > 0 ORDER BY member_id",
            guild_id,
            seq,
        )
        return [row[0] for row in found]

    async def bridge_streaks(self, guild_id: str, member_ids: Sequence[str], seq: int) -> None:
        """Carry these members' streaks over daily post `seq` unchanged."""
        await self._conn.execute(
            "UPDATE member_stats SET streak_seq = $1 "
            "WHERE guild_id = $2 AND member_id = ANY($3::text[])",
            seq,
            guild_id,
            list(member_ids),
        )

    async def savers(self, guild_id: str, member_ids: Sequence[str]) -> dict[str, Savers]:
        """Stored savers of these members (absent members have none)."""
        await self._lock_guild(guild_id)
        found = await self._all(
            "SELECT member_id, held, run, last_used_at FROM streak_savers "
            "WHERE guild_id = $1 AND member_id = ANY($2::text[])",
            guild_id,
            list(member_ids),
        )
        return {row[0]: savers_of(row[1:]) for row in found}

    async def save_savers(self, guild_id: str, savers: dict[str, Savers]) -> None:
        """Insert or replace members' savers."""
        await self._conn.executemany(
            "INSERT INTO streak_savers (guild_id, member_id, held, run, last_used_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guild_id, member_id) DO UPDATE SET "
            "held = excluded.held, run = excluded.run, last_used_at = excluded.last_used_at",
            [
                (guild_id, member_id, s.held, s.run, opt_ts(s.last_used_at))
                for member_id, s in sorted(savers.items())
            ],
        )

    async def set_selfgrade_scores(self, guild_id: str, scores: bool) -> None:
        """Turn scoring of self-graded answers on or off."""
        await self._conn.execute(
            "INSERT INTO guild_rules (guild_id, selfgrade_scores) VALUES ($1, $2) "
            "ON CONFLICT (guild_id) DO UPDATE SET selfgrade_scores = excluded.selfgrade_scores",
            guild_id,
            scores,
        )

    async def set_excluded(self, guild_id: str, member_id: str, at: datetime | None) -> bool:
        """Exclude a member (`at`) or include them again (None); False when nothing changed."""
        if at is None:
            return bool(
                await self._count(
                    "DELETE FROM excluded_members WHERE guild_id = $1 AND member_id = $2",
                    guild_id,
                    member_id,
                )
            )
        return bool(
            await self._count(
                "INSERT INTO excluded_members (guild_id, member_id, excluded_at) "
                "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                guild_id,
                member_id,
                ts(at),
            )
        )

    async def drop_open_answers(self, guild_id: str, member_id: str) -> int:
        """Delete a member's answers to the guild's unrevealed posts; how many there were."""
        return await self._count(
            "DELETE FROM answers WHERE member_id = $1 AND post_id IN "
            "(SELECT post_id FROM posts WHERE guild_id = $2 AND revealed_at IS NULL)",
            member_id,
            guild_id,
        )

    async def reset_member(self, guild_id: str, member_id: str) -> bool:
        """Zero a member's points, streaks and savers; False when they have no stats."""
        await self._lock_guild(guild_id)
        changed = await self._count(
            "UPDATE member_stats SET points = 0, streak = 0, best_streak = 0 "
            "WHERE guild_id = $1 AND member_id = $2",
            guild_id,
            member_id,
        )
        for sql in (
            "UPDATE level_stats SET points = 0 WHERE guild_id = $1 AND member_id = $2",
            # Zeroed, not deleted: the member did answer then, so stays on those boards at 0.
            "UPDATE period_points SET points = 0 WHERE guild_id = $1 AND member_id = $2",
            "DELETE FROM streak_savers WHERE guild_id = $1 AND member_id = $2",
        ):
            await self._conn.execute(sql, guild_id, member_id)
        return changed > 0

    async def forget_member(self, guild_id: str, member_id: str) -> Footprint:
        """Delete every row about a member in a guild; what was deleted."""
        await self._lock_guild(guild_id)
        key = (guild_id, member_id)
        answers = await self._count(
            "DELETE FROM answers WHERE member_id = $2 AND post_id IN "
            "(SELECT post_id FROM posts WHERE guild_id = $1)",
            *key,
        )
        stats = 0
        for table in _STATS_TABLES:
            stats += await self._count(
                f"DELETE FROM {table} WHERE guild_id = $1 AND member_id = $2", *key
            )
        cards = await self._count(
            "DELETE FROM review_cards WHERE guild_id = $1 AND member_id = $2", *key
        )
        savers = await self._count(
            "DELETE FROM streak_savers WHERE guild_id = $1 AND member_id = $2", *key
        )
        other = 0
        for table in _OTHER_TABLES:
            other += await self._count(
                f"DELETE FROM {table} WHERE guild_id = $1 AND member_id = $2", *key
            )
        # Their private practice posts and practice shuffle bags.
        other += await self._count("DELETE FROM posts WHERE guild_id = $1 AND owner_id = $2", *key)
        other += await self._count(
            "DELETE FROM bags WHERE guild_id = $1 AND starts_with(bag_key, $2)",
            guild_id,
            f"private:{member_id}:",
        )
        # The audit log keeps that an action happened, not who it was about or by.
        other += await self._count(
            "UPDATE audit_log SET target_id = NULL, detail = '(a forgotten member)' "
            "WHERE guild_id = $1 AND target_id = $2",
            *key,
        )
        other += await self._count(
            "UPDATE audit_log SET actor_id = '', actor_name = '(forgotten)' "
            "WHERE guild_id = $1 AND actor_id = $2",
            *key,
        )
        return Footprint(answers=answers, stats=stats, cards=cards, savers=savers, other=other)

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append an admin action to the audit log."""
        await self._conn.execute(
            "INSERT INTO audit_log (guild_id, actor_id, actor_name, action, target_id, detail, at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            entry.guild_id,
            entry.actor_id,
            entry.actor_name,
            entry.action,
            entry.target_id,
            entry.detail,
            ts(entry.at),
        )

    async def set_reminder(self, guild_id: str, member_id: str, on: bool) -> None:
        """Turn a member's review reminder on or off."""
        if on:
            await self._conn.execute(
                "INSERT INTO review_reminders (guild_id, member_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING",
                guild_id,
                member_id,
            )
        else:
            await self._conn.execute(
                "DELETE FROM review_reminders WHERE guild_id = $1 AND member_id = $2",
                guild_id,
                member_id,
            )

    async def mark_reminded(self, guild_id: str, member_id: str, at: datetime) -> None:
        """Remember when a member was last reminded."""
        await self._conn.execute(
            "UPDATE review_reminders SET last_sent_at = $1 WHERE guild_id = $2 AND member_id = $3",
            ts(at),
            guild_id,
            member_id,
        )
