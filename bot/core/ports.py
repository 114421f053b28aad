"""The ports the engine needs: a clock, a store (with a transaction view) and a publisher.

A second store (PostgreSQL) implements the same two Protocols; nothing here assumes SQL
or a single process: deliveries are claimed with leases, and "one daily per local day"
is checked inside the transaction that inserts it (`daily_between` then `insert_post`),
which a multi-process store must make atomic (e.g. serialising on the guild row).
"""

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
    Delivery,
    DeliveryKind,
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
    """A post before the store has given it an id."""

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
    week_key: str | None = None
    month_key: str | None = None
    # Set when nothing has to be sent (private practice, an engine without a platform).
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class NewDelivery:
    """A platform effect to perform, recorded with the state change that implies it.

    `claimed_by`/`claimed_until` let the caller deliver it inline (an adapter answering
    an interaction, an admin's postnow) while the worker keeps off until the claim lapses.
    """

    platform: str
    guild_id: str
    kind: DeliveryKind
    post_id: int | None
    created_at: datetime
    due_at: datetime
    expires_at: datetime | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = None


@dataclass(frozen=True)
class PeriodPoints:
    """Points to add to one member's week or month bucket."""

    guild_id: str
    period: str
    member_id: str
    points: int


class StoreTx(CommunityTx, Protocol):
    """Reads and writes inside one transaction: a job sees its own writes, and all of them
    commit together or not at all.

    The community features' writes are declared in their own section, CommunityTx.
    """

    async def guild(self, guild_id: str) -> GuildConfig | None:
        """A guild's configuration."""
        ...

    async def save_guild(self, config: GuildConfig) -> None:
        """Insert or replace a guild's configuration (its display name is kept)."""
        ...

    async def name_guild(self, defaults: GuildConfig, name: str) -> bool:
        """Store a guild's display name; False when it was stored already.

        A guild the store has no row for yet is saved with `defaults`, as its first draw
        saves it; the settings of a guild the store has are left alone.
        """
        ...

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        ...

    async def insert_post(self, draft: NewPost) -> Post:
        """Store a new post (a daily gets its sequence number when it is revealed)."""
        ...

    async def void_post(self, post_id: int, at: datetime) -> bool:
        """Close a post that never reached its channel, without grading; False if closed."""
        ...

    async def mark_delivered(
        self, post_id: int, message_id: str | None, at: datetime, reveal_at: datetime
    ) -> None:
        """Remember the platform message that shows the post, and when it reveals."""
        ...

    async def set_reveal_at(self, post_id: int, reveal_at: datetime) -> None:
        """Move an undelivered post's reveal (a late delivery keeps its answering window)."""
        ...

    async def daily_between(self, guild_id: str, start: datetime, end: datetime) -> Post | None:
        """A daily post of the guild created in [start, end) and not given up, if any."""
        ...

    async def open_draw(self, channel_id: str) -> Post | None:
        """The channel's unrevealed public draw, if any."""
        ...

    async def open_daily(self, guild_id: str) -> Post | None:
        """The guild's unrevealed daily post, if any."""
        ...

    async def expire_private(self, platform: str, now: datetime) -> list[int]:
        """Close practice posts past their reveal time unanswered; their ids."""
        ...

    async def mark_revealed(self, post_id: int, at: datetime, daily_seq: int | None) -> bool:
        """Close a post (numbering a daily in the streak order); False when already closed."""
        ...

    async def last_revealed_seq(self, guild_id: str) -> int:
        """The newest revealed daily post's sequence number (0 before the first)."""
        ...

    async def answers(self, post_id: int) -> list[Answer]:
        """Every answer to a post."""
        ...

    async def set_graded(self, post_id: int, grades: Sequence[tuple[str, bool | None]]) -> None:
        """Store the grade of each member's answer."""
        ...

    async def self_grade(
        self, post_id: int, member_id: str, correct: bool, at: datetime
    ) -> Answer | None:
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

    async def set_next_due(self, guild_id: str, at: datetime | None) -> None:
        """Store the guild's next daily slot (None: nothing scheduled)."""
        ...

    # -- the outbox -------------------------------------------------------------

    async def add_delivery(self, draft: NewDelivery) -> Delivery:
        """Record a pending platform effect."""
        ...

    async def claim_deliveries(
        self, platform: str, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        """Take up to `limit` due, unclaimed deliveries (oldest due first) until `until`."""
        ...

    async def claim_delivery(
        self, delivery_id: int, owner: str, now: datetime, until: datetime
    ) -> Delivery | None:
        """Take one pending delivery unless someone else holds it; None if not possible."""
        ...

    async def release_claims(self, platform: str, owner: str) -> int:
        """Drop every claim `owner` holds (its previous run died holding them)."""
        ...

    async def pending_delivery(self, post_id: int, kind: DeliveryKind) -> Delivery | None:
        """A post's delivery of one kind that is still to be done, if any."""
        ...

    async def finish_delivery(self, delivery_id: int, at: datetime) -> None:
        """The effect happened."""
        ...

    async def retry_delivery(self, delivery_id: int, due_at: datetime, error: str) -> None:
        """The effect failed for now: count the attempt, release the claim, try at `due_at`."""
        ...

    async def fail_delivery(self, delivery_id: int, at: datetime, error: str) -> None:
        """The effect cannot happen: stop trying."""
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

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        ...

    async def open_posts(self, platform: str) -> list[Post]:
        """Every unrevealed post of a platform, soonest reveal first."""
        ...

    async def due_reveals(self, platform: str, now: datetime, limit: int) -> list[Post]:
        """Delivered public posts whose reveal time has come, soonest first."""
        ...

    async def guilds_due(self, platform: str, now: datetime) -> list[str]:
        """Guilds whose next daily slot has come."""
        ...

    async def next_delivery_at(self, platform: str) -> datetime | None:
        """When the earliest pending delivery can next be tried (due, or its claim lapsing)."""
        ...

    async def claim_overdue(
        self, platform: str, due_by: datetime, owner: str, now: datetime, lease_s: int, limit: int
    ) -> list[Post]:
        """Lease to `owner` up to `limit` delivered public posts of any guild still unrevealed
        at `due_by`.

        A post leased to another owner is skipped until its lease runs out, so when
        several processes look at once each post goes to one of them.
        """
        ...

    async def answer_of(self, post_id: int, member_id: str) -> Answer | None:
        """A member's answer to a post."""
        ...

    async def answers(self, post_id: int) -> list[Answer]:
        """Every answer to a post (frozen once it is revealed)."""
        ...

    async def member_stats(self, guild_id: str, member_id: str) -> MemberStats | None:
        """A member's totals, with the per-level breakdown."""
        ...

    async def last_revealed_seq(self, guild_id: str) -> int:
        """The newest revealed daily post's sequence number (0 before the first)."""
        ...

    async def top_points(self, guild_id: str, period: str | None, limit: int) -> list[BoardEntry]:
        """The top of the points board; `period` None means all time.

        Every member with a graded answer in the period is on it, those who scored nothing
        with 0 points after everyone with points; excluded members are on no board.
        """
        ...

    async def points_rank(
        self, guild_id: str, period: str | None, member_id: str
    ) -> BoardEntry | None:
        """A member's row on the points board (maybe 0 points), None when not on it."""
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


@dataclass(frozen=True)
class Attempt:
    """Which try of a delivery this is: an earlier one may have reached the platform."""

    number: int  # 1 for the first try
    since_first_s: float  # seconds since the delivery was recorded

    @property
    def is_retry(self) -> bool:
        """True when an earlier try may have been sent without its answer arriving."""
        return self.number > 1


FIRST_ATTEMPT = Attempt(1, 0.0)


class Publisher(Protocol):
    """The platform side of delivery: the adapter renders and sends, the engine decides.

    Every method raises ChannelUnavailable when the platform refuses for good (the channel
    is gone or not writable) and TryAgainLater when it might work later (an outage, a rate
    limit, the network).
    """

    async def publish(self, view: PostView, ping_role: str | None, attempt: Attempt) -> str:
        """Send a new post to its channel once; returns the message id.

        Idempotent per post: on a retry the adapter makes sure an earlier try that reached
        the platform is returned rather than posted again.
        """
        ...

    async def find(self, post: Post) -> str | None:
        """The message already showing a post (sent by an earlier try or an interaction)."""
        ...

    async def show_reveal(self, view: RevealView) -> None:
        """Edit the post's message into its revealed form (or send it anew if it is gone)."""
        ...

    async def show_withdrawn(self, post: Post) -> None:
        """Edit the message of a post whose question left the packs (or changed its choices)
        before its reveal could be shown: buttons gone, a short notice instead. Nothing to
        do when the message is gone."""
        ...


class Notifier(Protocol):
    """The platform side of a private nudge: a direct message to one member."""

    async def remind(self, guild_id: str, member_id: str, due: int) -> None:
        """Tell a member that `due` review questions are waiting (raises when undeliverable)."""
        ...
