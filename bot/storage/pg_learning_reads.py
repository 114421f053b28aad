"""Store reads of fair play and the learning loop on PostgreSQL (on the pool)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.learning_model import AuditEntry, Footprint, ReminderCandidate, Savers, StoredCard
from bot.core.model import Answer, Member
from bot.storage.pg_learning import PgLearningReads, not_excluded
from bot.storage.rows import dt, ts
from bot.storage.sqlite_learning import CARD_COLUMNS, card_of, savers_of


class PgStoreLearningReads(PgLearningReads):
    """Store reads of the learning loop and moderation."""

    async def due_cards(
        self, guild_id: str, member_id: str, now: datetime, limit: int
    ) -> list[StoredCard]:
        """A member's cards due at `now`, most overdue first."""
        found = await self._all(
            f"SELECT {CARD_COLUMNS} FROM review_cards "
            "WHERE guild_id = $1 AND member_id = $2 AND due_at <= $3 "
            "ORDER BY due_at, question_id LIMIT $4",
            guild_id,
            member_id,
            ts(now),
            limit,
        )
        return [card_of(row) for row in found]

    async def review_summary(
        self, guild_id: str, member_id: str, now: datetime
    ) -> tuple[int, datetime | None]:
        """How many of a member's cards are due, and when the next one not yet due is."""
        row = await self._one(
            "SELECT COUNT(*) FILTER (WHERE due_at <= $1), MIN(due_at) FILTER (WHERE due_at > $1) "
            "FROM review_cards WHERE guild_id = $2 AND member_id = $3",
            ts(now),
            guild_id,
            member_id,
        )
        return int(row[0]), dt(row[1])

    async def card_counts(self, guild_id: str, member_id: str) -> list[tuple[str, int, int]]:
        """(question id, answered, correct) of every card of a member."""
        found = await self._all(
            "SELECT question_id, answered, correct FROM review_cards "
            "WHERE guild_id = $1 AND member_id = $2 ORDER BY question_id",
            guild_id,
            member_id,
        )
        return [(row[0], row[1], row[2]) for row in found]

    async def savers_of(self, guild_id: str, member_id: str) -> Savers:
        """A member's savers (none held when never stored)."""
        row = await self._one(
            "SELECT held, run, last_used_at FROM streak_savers "
            "WHERE guild_id = $1 AND member_id = $2",
            guild_id,
            member_id,
        )
        return savers_of(row) if row else Savers()

    async def excluded(self, guild_id: str) -> frozenset[str]:
        """Members of the guild kept out of scoring."""
        found = await self._all(
            "SELECT member_id FROM excluded_members WHERE guild_id = $1", guild_id
        )
        return frozenset(row[0] for row in found)

    async def answer_grade(self, post_id: int, member_id: str) -> tuple[Answer, bool | None] | None:
        """A member's answer to a post with its grade (None while ungraded)."""
        row = await self._one(
            "SELECT post_id, member_id, member_name, choice, text, answered_at, correct "
            "FROM answers WHERE post_id = $1 AND member_id = $2",
            post_id,
            member_id,
        )
        if row is None:
            return None
        answer = Answer(
            post_id=row[0],
            member=Member(row[1], row[2]),
            choice=row[3],
            text=row[4],
            answered_at=datetime.fromtimestamp(row[5], UTC),
        )
        return answer, row[6]

    async def audit(self, guild_id: str, limit: int) -> list[AuditEntry]:
        """The guild's latest admin actions, newest first."""
        found = await self._all(
            "SELECT guild_id, actor_id, actor_name, action, detail, at, target_id "
            "FROM audit_log WHERE guild_id = $1 ORDER BY audit_id DESC LIMIT $2",
            guild_id,
            limit,
        )
        return [
            AuditEntry(r[0], r[1], r[2], r[3], r[4], datetime.fromtimestamp(r[5], UTC), r[6])
            for r in found
        ]

    async def reminder_on(self, guild_id: str, member_id: str) -> bool:
        """True when the member asked for review reminders."""
        row = await self._one(
            "SELECT 1 FROM review_reminders WHERE guild_id = $1 AND member_id = $2",
            guild_id,
            member_id,
        )
        return row is not None

    async def reminder_candidates(self, platform: str, now: datetime) -> list[ReminderCandidate]:
        """Members of a platform's guilds with reminders on, with their due counts at `now`."""
        found = await self._all(
            "SELECT r.guild_id, r.member_id, g.timezone, "
            "  (SELECT COUNT(*) FROM review_cards AS c WHERE c.guild_id = r.guild_id "
            "   AND c.member_id = r.member_id AND c.due_at <= $1), r.last_sent_at "
            "FROM review_reminders AS r JOIN guilds AS g ON g.guild_id = r.guild_id "
            f"WHERE g.platform = $2 AND {not_excluded('r')} ORDER BY r.guild_id, r.member_id",
            ts(now),
            platform,
        )
        return [ReminderCandidate(r[0], r[1], r[2], r[3], dt(r[4])) for r in found]

    async def footprint(self, guild_id: str, member_id: str) -> Footprint:
        """How many rows a member has in a guild (what `forget` would delete)."""
        row = await self._one(
            "SELECT "
            "(SELECT COUNT(*) FROM answers AS a JOIN posts AS p ON p.post_id = a.post_id "
            " WHERE p.guild_id = $1 AND a.member_id = $2), "
            "(SELECT COUNT(*) FROM member_stats WHERE guild_id = $1 AND member_id = $2) + "
            "(SELECT COUNT(*) FROM level_stats WHERE guild_id = $1 AND member_id = $2) + "
            "(SELECT COUNT(*) FROM period_points WHERE guild_id = $1 AND member_id = $2), "
            "(SELECT COUNT(*) FROM review_cards WHERE guild_id = $1 AND member_id = $2), "
            "(SELECT COUNT(*) FROM streak_savers WHERE guild_id = $1 AND member_id = $2), "
            "(SELECT COUNT(*) FROM review_reminders WHERE guild_id = $1 AND member_id = $2) + "
            "(SELECT COUNT(*) FROM excluded_members WHERE guild_id = $1 AND member_id = $2) + "
            "(SELECT COUNT(*) FROM posts WHERE guild_id = $1 AND owner_id = $2) + "
            "(SELECT COUNT(*) FROM bags WHERE guild_id = $1 AND starts_with(bag_key, $3)) + "
            "(SELECT COUNT(*) FROM audit_log WHERE guild_id = $1 AND target_id = $2) + "
            "(SELECT COUNT(*) FROM audit_log WHERE guild_id = $1 AND actor_id = $2)",
            guild_id,
            member_id,
            f"private:{member_id}:",
        )
        return Footprint(*(int(v) for v in row))
