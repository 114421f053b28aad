"""The ports the service needs: a clock, a store (with a transaction view) and a publisher."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from bot.core.community_ports import CommunityReads, CommunityTx
from bot.core.learning_model import (
    AuditEntry,
    Footprint,
    ReminderCandidate,
    Savers,
    StoredCard,
)
from bot.core.model import (
    Answer,
    BoardEntry,
    GuildConfig,
    MemberStats,
    Post,
    PostKind,
    PostView,
    RevealView,
)
from bot.core.questions import Difficulty

T = TypeVar("T")


class Clock(Protocol):
    """Where the service reads the time; tests move it by hand."""

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        return datetime.now(UTC)


@dataclass(frozen=True)
class NewPost:
    """A post before the store has given it an id (and, for a daily, its sequence number)."""

    guild_id: str
    platform: str
    channel_id: str
    kind: PostKind
    question_id: str
    difficulty: Difficulty
    choice_order: tuple[int, ...]
    posted_at: datetime
    reveal_at: datetime
    owner_id: str | None = None
    local_date: str | None = None


@dataclass(frozen=True)
class PeriodPoints:
    """Points to add to one member's week or month bucket."""

    guild_id: str
    period: str
    member_id: str
    points: int


class StoreTx(CommunityTx, Protocol):
    """Reads and writes inside one transaction of the single writer.

    The community features' writes are declared in their own section, CommunityTx.
    """

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration."""
        ...

    async def save_guild(self, config: GuildConfig) -> None:
        """Insert or replace a guild's configuration."""
        ...

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        ...

    async def insert_post(self, draft: NewPost) -> Post:
        """Store a new post; a daily post gets the guild's next sequence number."""
        ...

    async def delete_post(self, post_id: int) -> None:
        """Remove a post that never reached its channel."""
        ...

    async def set_message_id(self, post_id: int, message_id: str) -> None:
        """Remember the platform message that shows the post."""
        ...

    async def daily_on(self, guild_id: str, local_date: str) -> Post | None:
        """The guild's daily post for a local date, if any."""
        ...

    async def open_draw(self, channel_id: str) -> Post | None:
        """The channel's unrevealed public draw, if any."""
        ...

    async def open_daily(self, guild_id: str) -> Post | None:
        """The guild's unrevealed daily post, if any."""
        ...

    async def mark_revealed(self, post_id: int, at: datetime) -> bool:
        """Close a post; False when it was already revealed."""
        ...

    async def answers(self, post_id: int) -> list[Answer]:
        """Every answer to a post."""
        ...

    async def set_graded(self, post_id: int, grades: Sequence[tuple[str, bool | None]]) -> None:
        """Store the grade of each member's answer."""
        ...

    async def self_grade(self, post_id: int, member_id: str, correct: bool) -> Answer | None:
        """Record a self-grade once; None when there is no ungraded answer to grade."""
        ...

    async def stats_for(
        self, guild_id: str, members: Sequence[tuple[str, str]]
    ) -> list[MemberStats]:
        """Stats of (member id, name) pairs, fresh records for members seen the first time."""
        ...

    async def save_stats(
        self, stats: Sequence[MemberStats], period: Sequence[PeriodPoints]
    ) -> None:
        """Write member totals, per-level totals and period points."""
        ...

    async def set_last_revealed_seq(self, guild_id: str, seq: int) -> None:
        """Remember the newest revealed daily post of a guild (streaks are measured from it)."""
        ...

    async def bag(self, guild_id: str, key: str) -> tuple[list[str], str | None]:
        """The shuffle bag's remaining ids and the id drawn last."""
        ...

    async def save_bag(self, guild_id: str, key: str, remaining: list[str], last: str) -> None:
        """Store a shuffle bag after a draw."""
        ...

    # -- fair play and the learning loop (migration 0003) ---------------------

    async def live_questions(self, guild_id: str) -> set[str]:
        """Question ids of the guild's unrevealed public posts (draws and dailies)."""
        ...

    async def cards(
        self, guild_id: str, question_id: str, member_ids: Sequence[str]
    ) -> dict[str, StoredCard]:
        """Members' review cards for one question, by member id (absent: none yet)."""
        ...

    async def save_cards(self, cards: Sequence[StoredCard]) -> None:
        """Insert or replace review cards."""
        ...

    async def streak_holders(self, guild_id: str, seq: int) -> list[str]:
        """Members whose streak (above zero) reached daily post `seq`."""
        ...

    async def bridge_streaks(self, guild_id: str, member_ids: Sequence[str], seq: int) -> None:
        """Carry these members' streaks over daily post `seq` unchanged."""
        ...

    async def savers(self, guild_id: str, member_ids: Sequence[str]) -> dict[str, Savers]:
        """Stored savers of these members (absent members have none)."""
        ...

    async def save_savers(self, guild_id: str, savers: dict[str, Savers]) -> None:
        """Insert or replace members' savers."""
        ...

    async def selfgrade_scores(self, guild_id: str) -> bool:
        """True when self-graded answers score points and streaks in the guild."""
        ...

    async def set_selfgrade_scores(self, guild_id: str, scores: bool) -> None:
        """Turn scoring of self-graded answers on or off."""
        ...

    async def set_excluded(self, guild_id: str, member_id: str, at: datetime | None) -> bool:
        """Exclude a member (`at`) or include them again (None); False when nothing changed."""
        ...

    async def drop_open_answers(self, guild_id: str, member_id: str) -> int:
        """Delete a member's answers to the guild's unrevealed posts; how many there were."""
        ...

    async def reset_member(self, guild_id: str, member_id: str) -> bool:
        """Zero a member's points, streaks and savers; False when they have no stats."""
        ...

    async def forget_member(self, guild_id: str, member_id: str) -> Footprint:
        """Delete every row about a member in a guild; what was deleted."""
        ...

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append an admin action to the audit log."""
        ...

    async def set_reminder(self, guild_id: str, member_id: str, on: bool) -> None:
        """Turn a member's review reminder on or off."""
        ...

    async def mark_reminded(self, guild_id: str, member_id: str, at: datetime) -> None:
        """Remember when a member was last reminded."""
        ...


class Store(CommunityReads, Protocol):
    """Durable state. Writes run one at a time in the store's writer; reads run directly.

    The community features' reads are declared in their own section, CommunityReads.
    """

    async def write(self, job: Callable[[StoreTx], Awaitable[T]]) -> T:
        """Run `job` in a transaction; returns once it is committed."""
        ...

    async def submit_answer(self, answer: Answer) -> bool:
        """Commit an answer (replacing the member's earlier one); False if the post is closed."""
        ...

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration."""
        ...

    async def guilds(self, platform: str) -> list[GuildConfig]:
        """Every configured guild of a platform."""
        ...

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        ...

    async def open_posts(self, platform: str) -> list[Post]:
        """Every unrevealed post of a platform, soonest reveal first."""
        ...

    async def open_daily(self, guild_id: str) -> Post | None:
        """The guild's unrevealed daily post, if any."""
        ...

    async def answer_of(self, post_id: int, member_id: str) -> Answer | None:
        """A member's answer to a post."""
        ...

    async def member_stats(self, guild_id: str, member_id: str) -> MemberStats | None:
        """A member's totals, with the per-level breakdown."""
        ...

    async def last_revealed_seq(self, guild_id: str) -> int:
        """The newest revealed daily post's sequence number (0 before the first)."""
        ...

    async def top_points(self, guild_id: str, period: str | None, limit: int) -> list[BoardEntry]:
        """The top of the points board; `period` None means all time."""
        ...

    async def points_rank(
        self, guild_id: str, period: str | None, member_id: str
    ) -> BoardEntry | None:
        """A member's row on the points board, None without points."""
        ...

    async def top_streaks(self, guild_id: str, seq: int, limit: int) -> list[BoardEntry]:
        """The top current streaks: members whose streak reached daily post `seq`."""
        ...

    async def streak_rank(self, guild_id: str, seq: int, member_id: str) -> BoardEntry | None:
        """A member's row on the streak board, None without a current streak."""
        ...

    # -- fair play and the learning loop (migration 0003) ---------------------

    async def live_questions(self, guild_id: str) -> set[str]:
        """Question ids of the guild's unrevealed public posts (draws and dailies)."""
        ...

    async def due_cards(
        self, guild_id: str, member_id: str, now: datetime, limit: int
    ) -> list[StoredCard]:
        """A member's cards due at `now`, most overdue first."""
        ...

    async def review_summary(
        self, guild_id: str, member_id: str, now: datetime
    ) -> tuple[int, datetime | None]:
        """How many of a member's cards are due, and when the next one not yet due is."""
        ...

    async def card_counts(self, guild_id: str, member_id: str) -> list[tuple[str, int, int]]:
        """(question id, answered, correct) of every card of a member."""
        ...

    async def savers_of(self, guild_id: str, member_id: str) -> Savers:
        """A member's savers (none held when never stored)."""
        ...

    async def excluded(self, guild_id: str) -> frozenset[str]:
        """Members of the guild kept out of scoring."""
        ...

    async def selfgrade_scores(self, guild_id: str) -> bool:
        """True when self-graded answers score points and streaks in the guild."""
        ...

    async def answer_grade(self, post_id: int, member_id: str) -> tuple[Answer, bool | None] | None:
        """A member's answer to a post with its grade (None while ungraded)."""
        ...

    async def audit(self, guild_id: str, limit: int) -> list[AuditEntry]:
        """The guild's latest admin actions, newest first."""
        ...

    async def reminder_on(self, guild_id: str, member_id: str) -> bool:
        """True when the member asked for review reminders."""
        ...

    async def reminder_candidates(self, platform: str, now: datetime) -> list[ReminderCandidate]:
        """Members of a platform's guilds with reminders on, with their due counts at `now`."""
        ...

    async def footprint(self, guild_id: str, member_id: str) -> Footprint:
        """How many rows a member has in a guild (what `forget` would delete)."""
        ...


class Publisher(Protocol):
    """The platform side of posting: the adapter renders and sends, the service decides."""

    async def publish(self, view: PostView, ping_role: str | None) -> str:
        """Send a new post to its channel; returns the message id.

        Raises ChannelUnavailable when the channel is gone or not writable.
        """
        ...

    async def show_reveal(self, view: RevealView) -> None:
        """Edit the post's message into its revealed form (or send it anew if it is gone)."""
        ...


class Notifier(Protocol):
    """The platform side of a private nudge: a direct message to one member."""

    async def remind(self, guild_id: str, member_id: str, due: int) -> None:
        """Tell a member that `due` review questions are waiting (raises when undeliverable)."""
        ...
