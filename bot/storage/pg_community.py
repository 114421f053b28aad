"""The community features (suggestions, recaps, role rewards) on PostgreSQL.

`PgCommunityWrites` joins the transaction view and `PgCommunityReads` the store's reads.
A recap is claimed with ON CONFLICT DO NOTHING and reward holders are rewritten under
the guild-row lock, so several processes never post one recap twice or race on a role.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from bot.core.community_model import (
    CommunitySettings,
    NewSuggestion,
    Participation,
    PostResult,
    RewardKind,
    RoleChange,
    Suggestion,
    SuggestionStatus,
)
from bot.core.questions import Question
from bot.storage.pg_learning import not_excluded
from bot.storage.pg_queries import PgQueries
from bot.storage.rows import ts
from bot.storage.sqlite_community import question_json, suggestion_from_row

SETTINGS_COLUMNS = (
    "guild_id, platform, review_channel_id, recap_on, recap_day, recap_time, threads_on, "
    "streak_role_id, streak_length, monthly_role_id, monthly_done"
)
SUGGESTION_COLUMNS = (
    "suggestion_id, guild_id, platform, author_id, author_name, status, question, created_at, "
    "review_channel_id, review_message_id, reviewer_name, reviewed_at"
)
# Answers that count in a recap: to public posts (not private practice) made in a window.
_WINDOW = (
    "FROM answers AS a JOIN posts AS p ON p.post_id = a.post_id WHERE p.guild_id = $1 "
    "AND p.kind IN ('daily', 'draw') AND p.posted_at >= $2 AND p.posted_at < $3"
)
# Members an admin excluded stay off the recap's board, as off every board.
_ANSWERER_NOT_EXCLUDED = (
    "NOT EXISTS (SELECT 1 FROM excluded_members AS x "
    "WHERE x.guild_id = p.guild_id AND x.member_id = a.member_id)"
)


def settings_of(row: Sequence[Any]) -> CommunitySettings:
    """A community_settings row as the engine's record."""
    recap_time = None
    if row[5]:
        hour, minute = (int(part) for part in row[5].split(":"))
        recap_time = time(hour, minute)
    return CommunitySettings(
        guild_id=row[0],
        platform=row[1],
        review_channel_id=row[2],
        recap_on=bool(row[3]),
        recap_day=row[4],
        recap_time=recap_time,
        threads_on=bool(row[6]),
        streak_role_id=row[7],
        streak_length=row[8],
        monthly_role_id=row[9],
        monthly_done=row[10],
    )


class PgCommunityRows(PgQueries):
    """Reads both sides share."""

    async def community_settings(self, guild_id: str) -> CommunitySettings | None:
        """A guild's community switches, None when it never changed one."""
        row = await self._one(
            f"SELECT {SETTINGS_COLUMNS} FROM community_settings WHERE guild_id = $1", guild_id
        )
        return settings_of(row) if row else None

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        """A suggestion by id."""
        row = await self._one(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE suggestion_id = $1",
            suggestion_id,
        )
        return suggestion_from_row(row) if row else None


class PgCommunityReads(PgCommunityRows):
    """Store reads of the community features."""

    async def community_guilds(self, platform: str) -> list[CommunitySettings]:
        """Every guild of a platform with a recap or a monthly reward on."""
        found = await self._all(
            f"SELECT {SETTINGS_COLUMNS} FROM community_settings "
            "WHERE platform = $1 AND (recap_on OR monthly_role_id IS NOT NULL) ORDER BY guild_id",
            platform,
        )
        return [settings_of(row) for row in found]

    async def suggestions(
        self, guild_id: str, status: SuggestionStatus, limit: int = 50
    ) -> list[Suggestion]:
        """A guild's suggestions in one state, oldest first."""
        found = await self._all(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE guild_id = $1 AND status = $2 "
            "ORDER BY suggestion_id LIMIT $3",
            guild_id,
            status.value,
            limit,
        )
        return [suggestion_from_row(row) for row in found]

    async def approved_suggestions(self, platform: str) -> list[Suggestion]:
        """Every approved suggestion of a platform (the guilds' own questions)."""
        found = await self._all(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions "
            "WHERE platform = $1 AND status = 'approved' ORDER BY suggestion_id",
            platform,
        )
        return [suggestion_from_row(row) for row in found]

    async def recap_posted(self, guild_id: str, week: str) -> bool:
        """Whether a week's recap of the guild is out (or being posted)."""
        row = await self._one(
            "SELECT 1 FROM recaps WHERE guild_id = $1 AND week = $2", guild_id, week
        )
        return row is not None

    async def correct_by_level(
        self, guild_id: str, start: datetime, end: datetime
    ) -> list[tuple[str, str, str, int]]:
        """(member id, name, difficulty, correct answers) of posts made in [start, end)."""
        found = await self._all(
            "SELECT a.member_id, MAX(a.member_name), p.difficulty, COUNT(*) "
            f"{_WINDOW} AND a.correct AND {_ANSWERER_NOT_EXCLUDED} "
            "GROUP BY a.member_id, p.difficulty ORDER BY a.member_id, p.difficulty",
            guild_id,
            ts(start),
            ts(end),
        )
        return [(row[0], row[1], row[2], int(row[3])) for row in found]

    async def participation(self, guild_id: str, start: datetime, end: datetime) -> Participation:
        """Members who answered and answers given to posts made in [start, end)."""
        row = await self._one(
            f"SELECT COUNT(DISTINCT a.member_id), COUNT(*) {_WINDOW}", guild_id, ts(start), ts(end)
        )
        return Participation(int(row[0]), int(row[1])) if row else Participation(0, 0)

    async def post_results(self, guild_id: str, start: datetime, end: datetime) -> list[PostResult]:
        """Graded answers per revealed public post made in [start, end)."""
        found = await self._all(
            "SELECT p.post_id, p.question_id, COUNT(*), SUM(a.correct::int) "
            f"{_WINDOW} AND p.revealed_at IS NOT NULL AND a.correct IS NOT NULL "
            "GROUP BY p.post_id ORDER BY p.post_id",
            guild_id,
            ts(start),
            ts(end),
        )
        return [PostResult(row[0], row[1], int(row[2]), int(row[3])) for row in found]

    async def member_days(
        self, guild_id: str, member_id: str, since: datetime
    ) -> list[tuple[datetime, bool | None]]:
        """(post time, correct) of a member's answers to public posts made since `since`."""
        found = await self._all(
            "SELECT p.posted_at, a.correct FROM answers AS a "
            "JOIN posts AS p ON p.post_id = a.post_id "
            "WHERE a.member_id = $1 AND p.guild_id = $2 AND p.kind IN ('daily', 'draw') "
            "AND p.posted_at >= $3 ORDER BY p.posted_at, p.post_id",
            member_id,
            guild_id,
            ts(since),
        )
        return [(datetime.fromtimestamp(row[0], UTC), row[1]) for row in found]

    async def daily_times(self, guild_id: str, since: datetime) -> list[datetime]:
        """When each daily post since `since` was made."""
        found = await self._all(
            "SELECT posted_at FROM posts WHERE guild_id = $1 AND kind = 'daily' "
            "AND posted_at >= $2 ORDER BY posted_at",
            guild_id,
            ts(since),
        )
        return [datetime.fromtimestamp(row[0], UTC) for row in found]

    async def members_on_streak(self, guild_id: str, seq: int, length: int) -> list[str]:
        """Members whose current streak reached daily post `seq` and is at least `length`."""
        found = await self._all(
            "SELECT member_id FROM member_stats AS s "
            "WHERE guild_id = $1 AND streak_seq = $2 AND streak >= $3 AND streak > 0 "
            f"AND {not_excluded('s')} ORDER BY member_id",
            guild_id,
            seq,
            length,
        )
        return [row[0] for row in found]

    async def top_scorers(self, guild_id: str, period: str) -> list[str]:
        """Every member tied for the most points of a week or month bucket."""
        found = await self._all(
            "SELECT member_id FROM period_points AS p "
            f"WHERE guild_id = $1 AND period = $2 AND points > 0 AND {not_excluded('p')} "
            "AND points = (SELECT MAX(points) FROM period_points AS q "
            f"  WHERE guild_id = $1 AND period = $2 AND {not_excluded('q')}) "
            "ORDER BY member_id",
            guild_id,
            period,
        )
        return [row[0] for row in found]

    async def due_role_changes(self, platform: str, now: datetime) -> list[RoleChange]:
        """Role changes whose next try has come, oldest first."""
        found = await self._all(
            "SELECT change_id, guild_id, member_id, role_id, add_role, attempts FROM role_changes "
            "WHERE platform = $1 AND done_at IS NULL AND next_try_at <= $2 "
            "ORDER BY change_id LIMIT 500",
            platform,
            ts(now),
        )
        return [RoleChange(row[0], row[1], row[2], row[3], row[4], row[5]) for row in found]


class PgCommunityWrites(PgCommunityRows):
    """StoreTx methods of the community features, inside one transaction."""

    async def save_community_settings(self, settings: CommunitySettings) -> None:
        """Insert or replace a guild's community switches."""
        await self._conn.execute(
            f"INSERT INTO community_settings ({SETTINGS_COLUMNS}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
            "ON CONFLICT (guild_id) DO UPDATE SET platform = excluded.platform, "
            "review_channel_id = excluded.review_channel_id, recap_on = excluded.recap_on, "
            "recap_day = excluded.recap_day, recap_time = excluded.recap_time, "
            "threads_on = excluded.threads_on, streak_role_id = excluded.streak_role_id, "
            "streak_length = excluded.streak_length, monthly_role_id = excluded.monthly_role_id, "
            "monthly_done = excluded.monthly_done",
            settings.guild_id,
            settings.platform,
            settings.review_channel_id,
            settings.recap_on,
            settings.recap_day,
            settings.recap_time.strftime("%H:%M") if settings.recap_time else None,
            settings.threads_on,
            settings.streak_role_id,
            settings.streak_length,
            settings.monthly_role_id,
            settings.monthly_done,
        )

    async def insert_suggestion(self, draft: NewSuggestion) -> Suggestion:
        """Store a new pending suggestion."""
        row = await self._one(
            "INSERT INTO suggestions (guild_id, platform, author_id, author_name, status, "
            "question, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6) "
            f"RETURNING {SUGGESTION_COLUMNS}",
            draft.guild_id,
            draft.platform,
            draft.author.id,
            draft.author.name,
            question_json(draft.question),
            ts(draft.created_at),
        )
        return suggestion_from_row(row)

    async def pending_suggestions_of(self, guild_id: str, author_id: str) -> int:
        """How many suggestions of one member wait for review."""
        row = await self._one(
            "SELECT COUNT(*) FROM suggestions "
            "WHERE guild_id = $1 AND author_id = $2 AND status = 'pending'",
            guild_id,
            author_id,
        )
        return int(row[0])

    async def review_suggestion(
        self,
        suggestion_id: int,
        status: SuggestionStatus,
        question: Question,
        reviewer_name: str | None,
        reviewed_at: datetime | None,
    ) -> bool:
        """Change a pending suggestion (its question, or its verdict); False when not pending."""
        changed = await self._count(
            "UPDATE suggestions SET status = $1, question = $2, reviewer_name = $3, "
            "reviewed_at = $4 WHERE suggestion_id = $5 AND status = 'pending'",
            status.value,
            question_json(question),
            reviewer_name,
            ts(reviewed_at) if reviewed_at else None,
            suggestion_id,
        )
        return changed == 1

    async def set_review_message(
        self, suggestion_id: int, channel_id: str, message_id: str
    ) -> None:
        """Remember the review channel message that shows a suggestion."""
        await self._conn.execute(
            "UPDATE suggestions SET review_channel_id = $1, review_message_id = $2 "
            "WHERE suggestion_id = $3",
            channel_id,
            message_id,
            suggestion_id,
        )

    async def claim_recap(self, guild_id: str, week: str, at: datetime) -> bool:
        """Record a week's recap as posted; False when it was already."""
        claimed = await self._count(
            "INSERT INTO recaps (guild_id, week, posted_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (guild_id, week) DO NOTHING",
            guild_id,
            week,
            ts(at),
        )
        return claimed == 1

    async def release_recap(self, guild_id: str, week: str) -> None:
        """Forget a claimed recap that could not be posted, so that it is tried again."""
        await self._conn.execute(
            "DELETE FROM recaps WHERE guild_id = $1 AND week = $2", guild_id, week
        )

    async def reward_holders(self, guild_id: str, kind: RewardKind) -> dict[str, str]:
        """Members holding a reward role because of us (the guild row locked: the holders
        are read, compared and rewritten)."""
        await self._lock_guild(guild_id)
        found = await self._all(
            "SELECT member_id, role_id FROM reward_holders WHERE guild_id = $1 AND kind = $2",
            guild_id,
            kind.value,
        )
        return {row[0]: row[1] for row in found}

    async def set_reward_holders(
        self, guild_id: str, kind: RewardKind, holders: dict[str, str]
    ) -> None:
        """Replace the holders of a reward."""
        await self._conn.execute(
            "DELETE FROM reward_holders WHERE guild_id = $1 AND kind = $2", guild_id, kind.value
        )
        await self._conn.executemany(
            "INSERT INTO reward_holders (guild_id, kind, member_id, role_id) "
            "VALUES ($1, $2, $3, $4)",
            [(guild_id, kind.value, member, role) for member, role in sorted(holders.items())],
        )

    async def enqueue_role_changes(
        self, guild_id: str, platform: str, changes: Sequence[tuple[str, str, bool]], at: datetime
    ) -> None:
        """Queue (member id, role id, add) changes, due at `at`."""
        # A newer change of the same member and role decides: an older one still retrying
        # must not land after it and undo it.
        await self._conn.executemany(
            "UPDATE role_changes SET done_at = $1, last_error = 'superseded' "
            "WHERE guild_id = $2 AND member_id = $3 AND role_id = $4 AND done_at IS NULL",
            [(ts(at), guild_id, m, r) for m, r, _ in changes],
        )
        await self._conn.executemany(
            "INSERT INTO role_changes (guild_id, platform, member_id, role_id, add_role, "
            "next_try_at) VALUES ($1, $2, $3, $4, $5, $6)",
            [(guild_id, platform, m, r, add, ts(at)) for m, r, add in changes],
        )

    async def finish_role_change(self, change_id: int, at: datetime, error: str | None) -> None:
        """Close a role change: done, or given up with the reason."""
        await self._conn.execute(
            "UPDATE role_changes SET done_at = $1, last_error = $2, attempts = attempts + 1 "
            "WHERE change_id = $3",
            ts(at),
            error,
            change_id,
        )

    async def retry_role_change(self, change_id: int, at: datetime, error: str) -> None:
        """Count a failed try and schedule the next one at `at`."""
        await self._conn.execute(
            "UPDATE role_changes SET attempts = attempts + 1, next_try_at = $1, last_error = $2 "
            "WHERE change_id = $3",
            ts(at),
            error,
            change_id,
        )
