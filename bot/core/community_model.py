"""Plain records of the community features: settings, suggestions, recaps and role rewards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from bot.core.model import BoardEntry, Member, Post
from bot.core.questions import Question
from bot.core.text import plural


class SuggestionStatus(StrEnum):
    """Where a suggestion stands in review."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RewardKind(StrEnum):
    """The two role rewards: a streak length reached, and the month's top scorer."""

    STREAK = "streak"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class CommunitySettings:
    """A guild's community switches; every feature is off until an admin turns it on."""

    guild_id: str
    platform: str
    review_channel_id: str | None = None
    recap_on: bool = False
    recap_day: int = 0  # Monday, as datetime.weekday() counts
    recap_time: time | None = None  # None: the daily question's time
    threads_on: bool = False
    streak_role_id: str | None = None
    streak_length: int | None = None
    monthly_role_id: str | None = None
    monthly_done: str | None = None  # the last month ('2026-11') whose top scorer was rewarded

    @property
    def suggestions_on(self) -> bool:
        """Members may suggest questions once a review channel is set."""
        return self.review_channel_id is not None


@dataclass(frozen=True)
class Suggestion:
    """A member's question and its review."""

    suggestion_id: int
    guild_id: str
    platform: str
    author: Member
    status: SuggestionStatus
    question: Question
    created_at: datetime
    review_channel_id: str | None = None
    review_message_id: str | None = None
    reviewer_name: str | None = None
    reviewed_at: datetime | None = None

    @property
    def question_id(self) -> str:
        """The id the question is served under once approved."""
        return suggested_id(self.suggestion_id)


def suggested_id(suggestion_id: int) -> str:
    """The question id of an approved suggestion: a slug no bundled pack uses."""
    return f"suggested-{suggestion_id}"


@dataclass(frozen=True)
class NewSuggestion:
    """A validated suggestion before the store gives it an id."""

    guild_id: str
    platform: str
    author: Member
    question: Question
    created_at: datetime


@dataclass(frozen=True)
class RoleChange:
    """One role to give or take on the platform, retried until done."""

    change_id: int
    guild_id: str
    member_id: str
    role_id: str
    add: bool
    attempts: int = 0


@dataclass(frozen=True)
class PostResult:
    """How one revealed post was answered within a window (the recap's hardest question)."""

    post_id: int
    question_id: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        """Share of graded answers that were right."""
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Participation:
    """How many members answered, and how many answers they gave, within a window."""

    members: int
    answers: int

    def summary(self) -> str:
        """`3 members, 1 answer`: the figures in words that agree with them."""
        return f"{plural(self.members, 'member')}, {plural(self.answers, 'answer')}"


@dataclass(frozen=True)
class Hardest:
    """The week's question with the lowest accuracy, with its post (for a link)."""

    result: PostResult
    post: Post
    question: Question


@dataclass(frozen=True)
class Recap:
    """What the weekly recap post shows."""

    guild_id: str
    channel_id: str
    week: str  # the ISO week of the post, '2026-W48'
    start: datetime
    end: datetime
    top: list[BoardEntry]
    streaks: list[BoardEntry]
    hardest: Hardest | None
    this_week: Participation
    last_week: Participation
    timezone: str
