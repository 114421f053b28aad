"""The SQLite side of the community features (migration 0004): mixed into the store.

`CommunityWrites` joins the writer's transaction view and `CommunityReads` the store's
read-only side; both run on the connection of the class they are mixed into.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from typing import Any

import aiosqlite

from bot.core.community_model import (
    CommunitySettings,
    NewSuggestion,
    Participation,
    PostResult,
    RewardKind,
    RoleChange,
    Suggestion,
    SuggestionStatus,
    suggested_id,
)
from bot.core.model import Member
from bot.core.questions import Question
from bot.core.suggestion_form import SuggestedQuestion
from bot.storage.sqlite_learning import not_excluded

_SETTINGS_COLUMNS = (
    "guild_id, platform, review_channel_id, recap_on, recap_day, recap_time, threads_on, "
    "streak_role_id, streak_length, monthly_role_id, monthly_done"
)
_SUGGESTION_COLUMNS = (
    "suggestion_id, guild_id, platform, author_id, author_name, status, question, created_at, "
    "review_channel_id, review_message_id, reviewer_name, reviewed_at"
)
# Answers that count in a recap: to public posts (not private practice) made in a window.
_WINDOW = (
    "FROM answers AS a JOIN posts AS p ON p.post_id = a.post_id "
    "WHERE p.guild_id = ? AND p.kind IN ('daily', 'draw') AND p.posted_at >= ? AND p.posted_at < ?"
)
# Members an admin excluded stay off the recap's board, as off every board.
_ANSWERER_NOT_EXCLUDED = (
    "NOT EXISTS (SELECT 1 FROM excluded_members AS x "
    "WHERE x.guild_id = p.guild_id AND x.member_id = a.member_id)"
)


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _settings(row: Sequence[Any]) -> CommunitySettings:
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


def question_json(question: Question) -> str:
    """A question's pack fields as stored (its id is derived from the suggestion's)."""
    return json.dumps(question.model_dump(mode="json", exclude_none=True, exclude={"id"}))


def suggestion_from_row(row: Sequence[Any]) -> Suggestion:
    """A suggestions row as the record the engine uses."""
    author = Member(row[3], row[4])
    question = SuggestedQuestion.model_validate(
        {**json.loads(row[6]), "id": suggested_id(row[0]), "author_name": author.name}
    )
    return Suggestion(
        suggestion_id=row[0],
        guild_id=row[1],
        platform=row[2],
        author=author,
        status=SuggestionStatus(row[5]),
        question=question,
        created_at=datetime.fromtimestamp(row[7], UTC),
        review_channel_id=row[8],
        review_message_id=row[9],
        reviewer_name=row[10],
        reviewed_at=_dt(row[11]),
    )


def read_approved(conn: sqlite3.Connection, guild_id: str) -> list[Suggestion]:
    """A guild's approved suggestions on a plain (read-only) connection, for ops tools."""
    rows = conn.execute(
        f"SELECT {_SUGGESTION_COLUMNS} FROM suggestions "
        "WHERE guild_id = ? AND status = 'approved' ORDER BY suggestion_id",
        (guild_id,),
    ).fetchall()
    return [suggestion_from_row(row) for row in rows]


class _Rows:
    _conn: aiosqlite.Connection

    async def _first(self, sql: str, params: Sequence[Any]) -> Any:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def _every(self, sql: str, params: Sequence[Any]) -> Iterable[Any]:
        return await self._conn.execute_fetchall(sql, params)

    async def community_settings(self, guild_id: str) -> CommunitySettings | None:
        """A guild's community switches, None when it never changed one."""
        row = await self._first(
            f"SELECT {_SETTINGS_COLUMNS} FROM community_settings WHERE guild_id = ?", (guild_id,)
        )
        return _settings(row) if row else None

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        """A suggestion by id."""
        row = await self._first(
            f"SELECT {_SUGGESTION_COLUMNS} FROM suggestions WHERE suggestion_id = ?",
            (suggestion_id,),
        )
        return suggestion_from_row(row) if row else None


class CommunityReads(_Rows):
    """Store reads of migration 0004, on the read-only connection."""

    async def community_guilds(self, platform: str) -> list[CommunitySettings]:
        """Every guild of a platform with a recap or a monthly reward on."""
        rows = await self._every(
            f"SELECT {_SETTINGS_COLUMNS} FROM community_settings "
            "WHERE platform = ? AND (recap_on = 1 OR monthly_role_id IS NOT NULL)",
            (platform,),
        )
        return [_settings(row) for row in rows]

    async def suggestions(
        self, guild_id: str, status: SuggestionStatus, limit: int = 50
    ) -> list[Suggestion]:
        """A guild's suggestions in one state, oldest first."""
        rows = await self._every(
            f"SELECT {_SUGGESTION_COLUMNS} FROM suggestions WHERE guild_id = ? AND status = ? "
            "ORDER BY suggestion_id LIMIT ?",
            (guild_id, status.value, limit),
        )
        return [suggestion_from_row(row) for row in rows]

    async def approved_suggestions(self, platform: str) -> list[Suggestion]:
        """Every approved suggestion of a platform (the guilds' own questions)."""
        rows = await self._every(
            f"SELECT {_SUGGESTION_COLUMNS} FROM suggestions "
            "WHERE platform = ? AND status = 'approved' ORDER BY suggestion_id",
            (platform,),
        )
        return [suggestion_from_row(row) for row in rows]

    async def recap_posted(self, guild_id: str, week: str) -> bool:
        """Whether a week's recap of the guild is out (or being posted)."""
        row = await self._first(
            "SELECT 1 FROM recaps WHERE guild_id = ? AND week = ?", (guild_id, week)
        )
        return row is not None

    async def correct_by_level(
        self, guild_id: str, start: datetime, end: datetime
    ) -> list[tuple[str, str, str, int]]:
        """(member id, name, difficulty, correct answers) of posts made in [start, end)."""
        rows = await self._every(
            "SELECT a.member_id, MAX(a.member_name), p.difficulty, COUNT(*) "
            f"{_WINDOW} AND a.correct = 1 AND {_ANSWERER_NOT_EXCLUDED} "
            "GROUP BY a.member_id, p.difficulty",
            (guild_id, _ts(start), _ts(end)),
        )
        return [(row[0], row[1], row[2], int(row[3])) for row in rows]

    async def participation(self, guild_id: str, start: datetime, end: datetime) -> Participation:
        """Members who answered and answers given to posts made in [start, end)."""
        row = await self._first(
            f"SELECT COUNT(DISTINCT a.member_id), COUNT(*) {_WINDOW}",
            (guild_id, _ts(start), _ts(end)),
        )
        return Participation(int(row[0]), int(row[1])) if row else Participation(0, 0)

    async def post_results(self, guild_id: str, start: datetime, end: datetime) -> list[PostResult]:
        """Graded answers per revealed public post made in [start, end)."""
        rows = await self._every(
            "SELECT p.post_id, p.question_id, COUNT(*), SUM(a.correct) "
            f"{_WINDOW} AND p.revealed_at IS NOT NULL AND a.correct IS NOT NULL "
            "GROUP BY p.post_id ORDER BY p.post_id",
            (guild_id, _ts(start), _ts(end)),
        )
        return [PostResult(row[0], row[1], int(row[2]), int(row[3])) for row in rows]

    async def member_days(
        self, guild_id: str, member_id: str, since: datetime
    ) -> list[tuple[datetime, bool | None]]:
        """(post time, correct) of a member's answers to public posts made since `since`."""
        rows = await self._every(
            "SELECT p.posted_at, a.correct FROM answers AS a "
            "JOIN posts AS p ON p.post_id = a.post_id "
            "WHERE a.member_id = ? AND p.guild_id = ? AND p.kind IN ('daily', 'draw') "
            "AND p.posted_at >= ?",
            (member_id, guild_id, _ts(since)),
        )
        return [
            (datetime.fromtimestamp(row[0], UTC), None if row[1] is None else bool(row[1]))
            for row in rows
        ]

    async def daily_times(self, guild_id: str, since: datetime) -> list[datetime]:
        """When each daily post since `since` was made."""
        rows = await self._every(
            "SELECT posted_at FROM posts WHERE guild_id = ? AND kind = 'daily' AND posted_at >= ?",
            (guild_id, _ts(since)),
        )
        return [datetime.fromtimestamp(row[0], UTC) for row in rows]

    async def members_on_streak(self, guild_id: str, seq: int, length: int) -> list[str]:
        """Members whose current streak reached daily post `seq` and is at least `length`."""
        rows = await self._every(
            "SELECT member_id FROM member_stats AS s "
            "WHERE guild_id = ? AND streak_seq = ? AND streak >= ? AND streak > 0 "
            f"AND {not_excluded('s')} ORDER BY member_id",
            (guild_id, seq, length),
        )
        return [row[0] for row in rows]

    async def top_scorers(self, guild_id: str, period: str) -> list[str]:
        """Every member tied for the most points of a week or month bucket."""
        rows = await self._every(
            "SELECT member_id FROM period_points AS p "
            f"WHERE guild_id = ? AND period = ? AND points > 0 AND {not_excluded('p')} "
            "AND points = (SELECT MAX(points) FROM period_points AS q "
            f"  WHERE guild_id = ? AND period = ? AND {not_excluded('q')}) "
            "ORDER BY member_id",
            (guild_id, period, guild_id, period),
        )
        return [row[0] for row in rows]

    async def due_role_changes(self, platform: str, now: datetime) -> list[RoleChange]:
        """Role changes whose next try has come, oldest first."""
        rows = await self._every(
            "SELECT change_id, guild_id, member_id, role_id, add_role, attempts FROM role_changes "
            "WHERE platform = ? AND done_at IS NULL AND next_try_at <= ? "
            "ORDER BY change_id LIMIT 500",
            (platform, _ts(now)),
        )
        return [RoleChange(row[0], row[1], row[2], row[3], bool(row[4]), row[5]) for row in rows]


class CommunityWrites(_Rows):
    """StoreTx methods of migration 0004, inside the writer's current transaction."""

    async def save_community_settings(self, settings: CommunitySettings) -> None:
        """Insert or replace a guild's community switches."""
        await self._conn.execute(
            f"INSERT OR REPLACE INTO community_settings ({_SETTINGS_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                settings.guild_id,
                settings.platform,
                settings.review_channel_id,
                int(settings.recap_on),
                settings.recap_day,
                settings.recap_time.strftime("%H:%M") if settings.recap_time else None,
                int(settings.threads_on),
                settings.streak_role_id,
                settings.streak_length,
                settings.monthly_role_id,
                settings.monthly_done,
            ),
        )

    async def insert_suggestion(self, draft: NewSuggestion) -> Suggestion:
        """Store a new pending suggestion."""
        cursor = await self._conn.execute(
            "INSERT INTO suggestions (guild_id, platform, author_id, author_name, status, "
            "question, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (
                draft.guild_id,
                draft.platform,
                draft.author.id,
                draft.author.name,
                question_json(draft.question),
                _ts(draft.created_at),
            ),
        )
        suggestion_id = cursor.lastrowid
        await cursor.close()
        assert suggestion_id is not None
        found = await self.suggestion(suggestion_id)
        assert found is not None
        return found

    async def pending_suggestions_of(self, guild_id: str, author_id: str) -> int:
        """How many suggestions of one member wait for review."""
        row = await self._first(
            "SELECT COUNT(*) FROM suggestions "
            "WHERE guild_id = ? AND author_id = ? AND status = 'pending'",
            (guild_id, author_id),
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
        cursor = await self._conn.execute(
            "UPDATE suggestions SET status = ?, question = ?, reviewer_name = ?, reviewed_at = ? "
            "WHERE suggestion_id = ? AND status = 'pending'",
            (
                status.value,
                question_json(question),
                reviewer_name,
                _ts(reviewed_at) if reviewed_at else None,
                suggestion_id,
            ),
        )
        changed = cursor.rowcount == 1
        await cursor.close()
        return changed

    async def set_review_message(
        self, suggestion_id: int, channel_id: str, message_id: str
    ) -> None:
        """Remember the review channel message that shows a suggestion."""
        await self._conn.execute(
            "UPDATE suggestions SET review_channel_id = ?, review_message_id = ? "
            "WHERE suggestion_id = ?",
            (channel_id, message_id, suggestion_id),
        )

    async def claim_recap(self, guild_id: str, week: str, at: datetime) -> bool:
        """Record a week's recap as posted; False when it was already."""
        cursor = await self._conn.execute(
            "INSERT INTO recaps (guild_id, week, posted_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, week) DO NOTHING",
            (guild_id, week, _ts(at)),
        )
        claimed = cursor.rowcount == 1
        await cursor.close()
        return claimed

    async def release_recap(self, guild_id: str, week: str) -> None:
        """Forget a claimed recap that could not be posted, so that it is tried again."""
        await self._conn.execute(
            "DELETE FROM recaps WHERE guild_id = ? AND week = ?", (guild_id, week)
        )

    async def reward_holders(self, guild_id: str, kind: RewardKind) -> dict[str, str]:
        """Members holding a reward role because of us: member id -> role id."""
        rows = await self._every(
            "SELECT member_id, role_id FROM reward_holders WHERE guild_id = ? AND kind = ?",
            (guild_id, kind.value),
        )
        return {row[0]: row[1] for row in rows}

    async def set_reward_holders(
        self, guild_id: str, kind: RewardKind, holders: dict[str, str]
    ) -> None:
        """Replace the holders of a reward."""
        await self._conn.execute(
            "DELETE FROM reward_holders WHERE guild_id = ? AND kind = ?", (guild_id, kind.value)
        )
        await self._conn.executemany(
            "INSERT INTO reward_holders (guild_id, kind, member_id, role_id) VALUES (?, ?, ?, ?)",
            [(guild_id, kind.value, member, role) for member, role in sorted(holders.items())],
        )

    async def enqueue_role_changes(
        self, guild_id: str, platform: str, changes: Sequence[tuple[str, str, bool]], at: datetime
    ) -> None:
        """Queue (member id, role id, add) changes, due at `at`."""
        # A newer change of the same member and role decides: an older one still retrying
        # must not land after it and undo it.
        await self._conn.executemany(
            "UPDATE role_changes SET done_at = ?, last_error = 'superseded' "
            "WHERE guild_id = ? AND member_id = ? AND role_id = ? AND done_at IS NULL",
            [(_ts(at), guild_id, m, r) for m, r, _ in changes],
        )
        await self._conn.executemany(
            "INSERT INTO role_changes (guild_id, platform, member_id, role_id, add_role, "
            "next_try_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(guild_id, platform, m, r, int(add), _ts(at)) for m, r, add in changes],
        )

    async def finish_role_change(self, change_id: int, at: datetime, error: str | None) -> None:
        """Close a role change: done, or given up with the reason."""
        await self._conn.execute(
            "UPDATE role_changes SET done_at = ?, last_error = ?, attempts = attempts + 1 "
            "WHERE change_id = ?",
            (_ts(at), error, change_id),
        )

    async def retry_role_change(self, change_id: int, at: datetime, error: str) -> None:
        """Count a failed try and schedule the next one at `at`."""
        await self._conn.execute(
            "UPDATE role_changes SET attempts = attempts + 1, next_try_at = ?, last_error = ? "
            "WHERE change_id = ?",
            (_ts(at), error, change_id),
        )
