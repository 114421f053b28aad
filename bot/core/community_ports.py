"""The ports of the community features: store reads and writes, and the platform side."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.core.community_model import (
    CommunitySettings,
    NewSuggestion,
    Participation,
    PostResult,
    Recap,
    RewardKind,
    RoleChange,
    Suggestion,
    SuggestionStatus,
)
from bot.core.model import RevealView
from bot.core.questions import Question


class CommunityReads(Protocol):
    """Reads of the community features (part of the Store port)."""

    async def community_settings(self, guild_id: str) -> CommunitySettings | None:
        """A guild's community switches, None when it never changed one."""
        ...

    async def community_guilds(self, platform: str) -> list[CommunitySettings]:
        """Every guild of a platform with a recap or a monthly reward on."""
        ...

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        """A suggestion by id."""
        ...

    async def suggestions(
        self, guild_id: str, status: SuggestionStatus, limit: int = 50
    ) -> list[Suggestion]:
        """A guild's suggestions in one state, oldest first."""
        ...

    async def approved_suggestions(self, platform: str) -> list[Suggestion]:
        """Every approved suggestion of a platform (the guilds' own questions)."""
        ...

    async def recap_posted(self, guild_id: str, week: str) -> bool:
        """Whether a week's recap of the guild is out (or being posted)."""
        ...

    async def correct_by_level(
        self, guild_id: str, start: datetime, end: datetime
    ) -> list[tuple[str, str, str, int]]:
        """(member id, name, difficulty, correct answers) of posts made in [start, end)."""
        ...

    async def participation(self, guild_id: str, start: datetime, end: datetime) -> Participation:
        """Members who answered and answers given to posts made in [start, end)."""
        ...

    async def post_results(self, guild_id: str, start: datetime, end: datetime) -> list[PostResult]:
        """Graded answers per revealed public post made in [start, end)."""
        ...

    async def member_days(
        self, guild_id: str, member_id: str, since: datetime
    ) -> list[tuple[datetime, bool | None]]:
        """(post time, correct) of a member's answers to public posts made since `since`."""
        ...

    async def daily_times(self, guild_id: str, since: datetime) -> list[datetime]:
        """When each daily post since `since` was made."""
        ...

    async def members_on_streak(self, guild_id: str, seq: int, length: int) -> list[str]:
        """Members whose current streak reached daily post `seq` and is at least `length`."""
        ...

    async def top_scorers(self, guild_id: str, period: str) -> list[str]:
        """Every member tied for the most points of a week or month bucket (none without points)."""
        ...

    async def due_role_changes(self, platform: str, now: datetime) -> list[RoleChange]:
        """Role changes whose next try has come, oldest first."""
        ...


class CommunityTx(Protocol):
    """Writes of the community features, inside the writer's transaction (part of StoreTx)."""

    async def community_settings(self, guild_id: str) -> CommunitySettings | None:
        """A guild's community switches."""
        ...

    async def save_community_settings(self, settings: CommunitySettings) -> None:
        """Insert or replace a guild's community switches."""
        ...

    async def insert_suggestion(self, draft: NewSuggestion) -> Suggestion:
        """Store a new pending suggestion."""
        ...

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        """A suggestion by id."""
        ...

    async def pending_suggestions_of(self, guild_id: str, author_id: str) -> int:
        """How many suggestions of one member wait for review."""
        ...

    async def review_suggestion(
        self,
        suggestion_id: int,
        status: SuggestionStatus,
        question: Question,
        reviewer_name: str | None,
        reviewed_at: datetime | None,
    ) -> bool:
        """Change a pending suggestion (its question, or its verdict); False when not pending."""
        ...

    async def set_review_message(
        self, suggestion_id: int, channel_id: str, message_id: str
    ) -> None:
        """Remember the review channel message that shows a suggestion."""
        ...

    async def claim_recap(self, guild_id: str, week: str, at: datetime) -> bool:
        """Record a week's recap as posted; False when it was already."""
        ...

    async def release_recap(self, guild_id: str, week: str) -> None:
        """Forget a claimed recap that could not be posted, so that it is tried again."""
        ...

    async def reward_holders(self, guild_id: str, kind: RewardKind) -> dict[str, str]:
        """Members holding a reward role because of us: member id -> role id."""
        ...

    async def set_reward_holders(
        self, guild_id: str, kind: RewardKind, holders: dict[str, str]
    ) -> None:
        """Replace the holders of a reward."""
        ...

    async def enqueue_role_changes(
        self, guild_id: str, platform: str, changes: Sequence[tuple[str, str, bool]], at: datetime
    ) -> None:
        """Queue (member id, role id, add) changes, due at `at`."""
        ...

    async def finish_role_change(self, change_id: int, at: datetime, error: str | None) -> None:
        """Close a role change: done, or given up with the reason."""
        ...

    async def retry_role_change(self, change_id: int, at: datetime, error: str) -> None:
        """Count a failed try and schedule the next one at `at`."""
        ...


class RoleChangeFailed(Exception):
    """The platform refused a role change; `retry` says whether trying again can help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class CommunityPublisher(Protocol):
    """The platform side of the community features; each adapter implements what it can."""

    async def show_suggestion(self, suggestion: Suggestion) -> str | None:
        """Post a suggestion in its review channel, or update the post; returns the message id.

        Raises ChannelUnavailable when the review channel cannot take it.
        """
        ...

    async def post_recap(self, recap: Recap) -> None:
        """Post the weekly recap in the guild's daily channel (ChannelUnavailable if refused)."""
        ...

    async def open_discussion(self, view: RevealView, title: str) -> None:
        """Start the discussion of a revealed daily (a thread on its message)."""
        ...

    async def change_role(self, guild_id: str, member_id: str, role_id: str, add: bool) -> None:
        """Give or take a role; RoleChangeFailed when the platform refuses."""
        ...
