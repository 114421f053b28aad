"""Plain records that flow between the service, the store and the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum

from bot.core.questions import CHOICE_LETTERS, Difficulty, Question
from bot.core.text import clean_name


class PostKind(StrEnum):
    """Daily posts build streaks; draws only score points; private draws score nothing."""

    DAILY = "daily"
    DRAW = "draw"
    PRIVATE = "private"


class Period(StrEnum):
    """Leaderboard windows, taken in the guild's time zone."""

    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class RankBy(StrEnum):
    """What a leaderboard ranks by."""

    POINTS = "points"
    STREAK = "streak"


ALL_DAYS = frozenset(range(7))  # Monday is 0, as datetime.weekday() counts


@dataclass(frozen=True)
class Member:
    """Someone who answers; `name` is shown as plain text, never as a mention."""

    id: str
    name: str

    def __post_init__(self) -> None:
        # Every name shown anywhere (boards, stats, exports) passes through here once.
        object.__setattr__(self, "name", clean_name(self.name))


@dataclass(frozen=True)
class GuildConfig:
    """A guild's (or Slack workspace's) daily-question settings."""

    guild_id: str
    platform: str
    channel_id: str | None = None
    post_time: time = time(9, 0)
    timezone: str = "UTC"
    daily_reveal_s: int = 8 * 3600
    draw_reveal_s: int = 60
    difficulty: str = "mixed"  # a Difficulty value, "mixed" or "ramp"
    days: frozenset[int] = ALL_DAYS
    paused: bool = False
    ping_role: str | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    # The next daily slot the ticker will act on (UTC); kept by the engine, not set by admins.
    next_due_at: datetime | None = None

    @property
    def is_scheduled(self) -> bool:
        """True when a daily question should be posted at all."""
        return self.channel_id is not None and not self.paused and bool(self.days)


@dataclass(frozen=True)
class Post:
    """A question placed in a channel."""

    post_id: int
    guild_id: str
    platform: str
    channel_id: str
    kind: PostKind
    question_id: str
    difficulty: Difficulty
    choice_order: tuple[int, ...]
    posted_at: datetime
    reveal_at: datetime
    message_id: str | None = None
    revealed_at: datetime | None = None
    owner_id: str | None = None
    local_date: str | None = None
    daily_seq: int | None = None
    # Fixed at posting, in the guild's zone then: where the post's points count.
    week_key: str | None = None
    month_key: str | None = None
    # When the post reached its channel (None while its delivery is pending).
    delivered_at: datetime | None = None
    # When the post was given up without counting (it never reached its channel).
    voided_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """True until the post has been revealed (or given up)."""
        return self.revealed_at is None

    @property
    def is_delivered(self) -> bool:
        """True once members can see the post."""
        return self.delivered_at is not None


@dataclass(frozen=True)
class Answer:
    """One member's answer to a post: a choice index (pack order) or free text."""

    post_id: int
    member: Member
    answered_at: datetime
    choice: int | None = None
    text: str | None = None


@dataclass
class MemberStats:
    """Running totals for one member in one guild, updated at each reveal."""

    guild_id: str
    member_id: str
    name: str
    points: int = 0
    answered: int = 0
    correct: int = 0
    streak: int = 0
    best_streak: int = 0
    streak_seq: int = 0  # the daily post that last set `streak`
    by_level: dict[Difficulty, LevelStats] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        """Share of graded answers that were correct, 0.0 when none."""
        return self.correct / self.answered if self.answered else 0.0

    @property
    def accuracy_percent(self) -> int:
        """Accuracy as a whole percentage, by the one rounding rule (`percent`)."""
        return percent(self.correct, self.answered)


@dataclass
class LevelStats:
    """Per-difficulty totals for one member."""

    answered: int = 0
    correct: int = 0
    points: int = 0


def percent(part: int, whole: int) -> int:
    """`part` of `whole` as a whole percentage, rounding half up on the exact fraction.

    Integer arithmetic, so 23/40 (57.5 %) shows 58 and 5/8 (62.5 %) shows 63, where
    float `round()` gives 57 and 62. 0 when `whole` is 0.
    """
    return (200 * part + whole) // (2 * whole) if whole else 0


@dataclass(frozen=True)
class Tally:
    """How a post was answered: counts per choice (pack order) and overall."""

    per_choice: dict[int, int]
    answered: int
    correct: int

    @property
    def percent_correct(self) -> int:
        """Percentage of correct answers (`percent`'s rounding), 0 when nobody answered."""
        return percent(self.correct, self.answered)


@dataclass(frozen=True)
class BoardEntry:
    """One row of a leaderboard."""

    rank: int
    member_id: str
    name: str
    value: int


@dataclass(frozen=True)
class Leaderboard:
    """The top rows plus the caller's own row when the caller has one."""

    period: Period
    by: RankBy
    top: list[BoardEntry]
    caller: BoardEntry | None


@dataclass(frozen=True)
class PostView:
    """What an adapter needs to render an open post."""

    post: Post
    question: Question

    @property
    def shown_choices(self) -> list[tuple[str, int, str]]:
        """(letter, pack index, text) in the order this post shows its choices."""
        choices = self.question.choices or []
        return [
            (CHOICE_LETTERS[shown], index, choices[index].text)
            for shown, index in enumerate(self.post.choice_order)
        ]

    def letter_of(self, choice: int) -> str:
        """The letter this post shows for a pack-order choice index."""
        return CHOICE_LETTERS[self.post.choice_order.index(choice)]


@dataclass(frozen=True)
class RevealView(PostView):
    """What an adapter needs to render a revealed post."""

    tally: Tally


@dataclass(frozen=True)
class AnswerReceipt:
    """What a member is told after answering, privately."""

    view: PostView
    choice: int | None
    # Private practice reveals at once, so the receipt then carries the verdict.
    correct: bool | None = None


class DeliveryKind(StrEnum):
    """A platform effect the delivery worker performs after a state change."""

    POST = "post"  # show a new post in its channel (or find the one an adapter sent)
    REVEAL = "reveal"  # edit a post into its revealed form
    DISCUSSION = "discussion"  # open the revealed daily's discussion thread
    RECAP = "recap"  # post the guild's weekly recap (no post: the guild's own)


@dataclass(frozen=True)
class Delivery:
    """One pending platform effect, as claimed by a worker."""

    delivery_id: int
    platform: str
    guild_id: str
    kind: DeliveryKind
    post_id: int | None
    attempts: int
    created_at: datetime
    due_at: datetime
    expires_at: datetime | None = None
    last_error: str | None = None
