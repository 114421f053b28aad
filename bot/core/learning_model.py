"""Plain records of fair play and the learning loop: cards, savers, audit rows and views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.model import Answer, PostView


@dataclass(frozen=True)
class StoredCard:
    """A member's spaced-review card for one question, as the store keeps it."""

    guild_id: str
    member_id: str
    question_id: str
    state: str  # the fsrs Card as JSON
    due_at: datetime
    reviewed_at: datetime
    answered: int = 0
    correct: int = 0


@dataclass(frozen=True)
class Savers:
    """A member's streak savers: how many are held, the run toward the next, the last use."""

    held: int = 0
    run: int = 0
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One admin action: who did what, to whom, when."""

    guild_id: str
    actor_id: str
    actor_name: str
    action: str
    detail: str
    at: datetime
    target_id: str | None = None


@dataclass(frozen=True)
class ReminderCandidate:
    """A member who asked for review reminders, with what the reminder decision needs."""

    guild_id: str
    member_id: str
    timezone: str
    due: int
    last_sent_at: datetime | None


@dataclass(frozen=True)
class Footprint:
    """How many rows a member has in a guild, per kind (what `forget` deletes)."""

    answers: int = 0
    stats: int = 0
    cards: int = 0
    savers: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        """Every row together."""
        return self.answers + self.stats + self.cards + self.savers + self.other


@dataclass(frozen=True)
class TopicScore:
    """A member's accuracy on one topic."""

    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        """Share of correct answers."""
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class LearningStats:
    """What `/stats` adds: reviews due, weakest topics, streak savers."""

    due: int
    next_due: datetime | None
    weakest: list[TopicScore]
    savers: Savers
    excluded: bool = False


@dataclass(frozen=True)
class ReviewOffer:
    """The answer to `/review`: a private question, or when the next one is due."""

    view: PostView | None
    next_due: datetime | None = None
    # Due cards held back because their question is open in the guild right now.
    held_back: int = 0


@dataclass(frozen=True)
class Explanation:
    """A member's own answer to a revealed post, explained privately."""

    view: PostView
    answer: Answer
    correct: bool | None

    @property
    def why(self) -> str | None:
        """The pack's note on the choice the member picked, if it has one."""
        choices = self.view.question.choices
        if choices is None or self.answer.choice is None:
            return None
        return choices[self.answer.choice].why
