"""QuizService: one platform's use cases behind one object for the adapters.

The use cases live in their own modules (posting, answering, revealing, delivering)
over the same ports; this facade builds them, keeps the settings and the read paths
(stats, boards), and forwards the rest.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from bot.core import calendar, scoring
from bot.core.answering import MAX_OPEN_ANSWER, Answering
from bot.core.bank import QuestionBank
from bot.core.delivering import Delivering
from bot.core.engine import Engine, RevealListener
from bot.core.guild_questions import GuildQuestions
from bot.core.learning import LearningHooks
from bot.core.model import (
    Answer,
    AnswerReceipt,
    GuildConfig,
    Leaderboard,
    Member,
    MemberStats,
    Period,
    Post,
    PostView,
    RankBy,
    RevealView,
)
from bot.core.ports import Clock, Publisher, Store, StoreTx
from bot.core.posting import ALL_LIVE, PRIVATE_EXPIRY, Posting
from bot.core.questions import Difficulty, Question
from bot.core.revealing import Revealing
from bot.core.text import clean_name

log = logging.getLogger(__name__)

__all__ = ["ALL_LIVE", "MAX_OPEN_ANSWER", "PRIVATE_EXPIRY", "QuizService"]

BOARD_SIZE = 10
# Discord allows 100 characters, Slack 255; `quizbot guilds` prints a column, not a novel.
MAX_GUILD_NAME = 64
NAMES_PER_WRITE = 100
# Settings that move the daily slot; changing any of them recomputes the guild's next one.
SCHEDULE_FIELDS = frozenset({"channel_id", "post_time", "timezone", "days", "paused"})


class QuizService:
    """One platform's use cases over the store; everything time- or chance-based is injected."""

    def __init__(
        self,
        *,
        bank: QuestionBank,
        store: Store,
        clock: Clock,
        rng: random.Random,
        platform: str,
        publisher: Publisher | None = None,
        owner: str = "",
    ) -> None:
        self.engine = Engine(bank, store, clock, rng, platform, publisher, owner)
        self.revealing = Revealing(self.engine)
        self.posting = Posting(self.engine, self.revealing)
        self.answering = Answering(self.engine, self.revealing)
        self.deliveries = Delivering(self.engine, self.posting)

    @property
    def bank(self) -> QuestionBank:
        """The loaded questions."""
        return self.engine.bank

    @property
    def store(self) -> Store:
        """The store port."""
        return self.engine.store

    @property
    def clock(self) -> Clock:
        """The injected clock."""
        return self.engine.clock

    @property
    def hooks(self) -> LearningHooks:
        """Fair play and learning-loop checks shared by every use case."""
        return self.engine.hooks

    @property
    def platform(self) -> str:
        """The platform this service serves."""
        return self.engine.platform

    # -- community hooks --------------------------------------------------------------

    @property
    def guild_questions(self) -> GuildQuestions:
        """Each guild's approved suggestions, served beside the packs in that guild."""
        return self.engine.guild_questions

    @property
    def reveal_listeners(self) -> list[RevealListener]:
        """Awaited after each public reveal commits (discussion threads, role rewards)."""
        return self.engine.reveal_listeners

    def question(self, question_id: str) -> Question:
        """A question of the packs or of a guild's approved suggestions, or NotFound."""
        return self.engine.question(question_id)

    # -- configuration ----------------------------------------------------------------

    async def config(self, guild_id: str) -> GuildConfig:
        """The guild's settings, defaults when it was never configured."""
        return await self.engine.config(guild_id)

    async def update_config(
        self,
        guild_id: str,
        then: Callable[[StoreTx, GuildConfig], Awaitable[None]] | None = None,
        /,
        **changes: object,
    ) -> GuildConfig:
        """Apply already-validated setting changes atomically and return the result;
        `then` runs in the same transaction with the result (the audit log's entry).

        A change to where or when the daily goes sets the next slot to the first one at or
        after the start of this minute: a time already passed today means tomorrow, and a
        restart never changes what `status` said.
        """
        now = self.clock.now()
        since = now.replace(second=0, microsecond=0) - timedelta(seconds=1)

        async def job(tx: StoreTx) -> GuildConfig:
            current = await tx.guild(guild_id)
            base = current or GuildConfig(guild_id, self.platform)
            updated = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
            reschedule = current is None or bool(SCHEDULE_FIELDS & changes.keys())
            if reschedule:
                updated = dataclasses.replace(
                    updated, next_due_at=calendar.next_slot(updated, since)
                )
            await tx.save_guild(updated)
            if reschedule:
                await tx.set_next_due(guild_id, updated.next_due_at)
            if then is not None:
                await then(tx, updated)
            return updated

        return await self.store.write(job)

    async def name_guilds(self, names: Mapping[str, str | None]) -> int:
        """Remember guilds' display names (by guild id) for `quizbot guilds`; how many
        changed. Blank or missing names are skipped: they stay unknown.

        A guild the store has no row for yet gets one with default settings, as its first
        draw would: a name alone schedules nothing (there is no channel) and changes no
        setting of a guild that has them.
        """
        # In id order, so that two batches sharing guilds lock their rows in the same order.
        cleaned = sorted(
            (guild_id, clean_name(name, MAX_GUILD_NAME))
            for guild_id, name in names.items()
            if name and name.strip()
        )
        changed = 0
        # A start names every guild at once: in short transactions, so that thousands of
        # them never hold up a reveal or an answer for long.
        for start in range(0, len(cleaned), NAMES_PER_WRITE):
            chunk = cleaned[start : start + NAMES_PER_WRITE]

            async def job(tx: StoreTx, chunk: list[tuple[str, str]] = chunk) -> int:
                stored = 0
                for guild_id, name in chunk:
                    defaults = GuildConfig(guild_id, self.platform)
                    stored += int(await tx.name_guild(defaults, name))
                return stored

            changed += await self.store.write(job)
        return changed

    # -- posting, answering, revealing (forwarded) ------------------------------------

    async def post_daily(self, guild_id: str) -> PostView | None:
        """Post today's daily question now unless one is out today; its delivery follows."""
        daily = await self.posting.post_daily(guild_id)
        return self.engine.view(daily.post) if daily.created else None

    async def post_scheduled(self, guild_id: str) -> Post | None:
        """The ticker's work for one due guild."""
        return await self.posting.post_scheduled(guild_id)

    async def draw(
        self,
        guild_id: str,
        channel_id: str,
        member: Member,
        *,
        difficulty: Difficulty | None = None,
        topic: str | None = None,
        private: bool = False,
    ) -> PostView:
        """Draw a question now: public (one open per channel) or private practice."""
        return await self.posting.draw(
            guild_id, channel_id, member, difficulty=difficulty, topic=topic, private=private
        )

    async def expire_practice(self) -> int:
        """Close practice questions left unanswered for a day; how many."""
        return await self.posting.expire_practice()

    async def attach_message(self, post_id: int, message_id: str) -> None:
        """Record which platform message shows a post (the adapter sent it itself)."""
        await self.posting.attach_message(post_id, message_id)

    async def discard(self, post_id: int) -> None:
        """Give up a post that could not be shown."""
        await self.posting.discard(post_id)

    async def answer(
        self,
        post_id: int,
        member: Member,
        *,
        choice: int | None = None,
        text: str | None = None,
        guild_id: str | None = None,
    ) -> AnswerReceipt:
        """Record (or replace) a member's answer; acknowledged only once committed."""
        return await self.answering.answer(
            post_id, member, choice=choice, text=text, guild_id=guild_id
        )

    async def self_grade(
        self, post_id: int, member: Member, *, correct: bool, guild_id: str | None = None
    ) -> bool:
        """An open question's answerer grades themself after the reveal, once."""
        return await self.answering.self_grade(post_id, member, correct=correct, guild_id=guild_id)

    async def reveal(self, post_id: int) -> RevealView | None:
        """Close a post, grade it and credit points; None when there was nothing to do."""
        return await self.revealing.reveal(post_id)

    async def due_reveals(self) -> list[Post]:
        """Unrevealed posts of this platform, soonest reveal first."""
        return await self.store.open_posts(self.platform)

    async def claim_overdue(
        self, owner: str, *, grace: timedelta, lease: timedelta, limit: int = 50
    ) -> list[Post]:
        """Lease posts of any guild whose reveal is more than `grace` late (their owner is gone)."""
        now = self.clock.now()
        return await self.store.claim_overdue(
            self.platform, now - grace, owner, now, int(lease.total_seconds()), limit
        )

    # -- reading ----------------------------------------------------------------------

    async def post(self, post_id: int) -> Post:
        """A post by id (cached while open), or NotFound."""
        return await self.engine.posts.get(post_id)

    async def view(self, post_id: int) -> PostView:
        """A post with its question, for rendering."""
        return self.engine.view(await self.post(post_id))

    async def answer_of(self, post_id: int, member_id: str) -> Answer | None:
        """A member's answer to a post."""
        return await self.store.answer_of(post_id, member_id)

    async def stats(self, guild_id: str, member_id: str) -> MemberStats | None:
        """A member's totals with the streak as it stands now."""
        stats = await self.store.member_stats(guild_id, member_id)
        if stats is None:
            return None
        last_seq = await self.store.last_revealed_seq(guild_id)
        stats.streak = scoring.current_streak(stats, last_seq)
        return stats

    async def leaderboard(
        self, guild_id: str, caller_id: str, *, period: Period, by: RankBy
    ) -> Leaderboard:
        """Top ten plus the caller's own row; streak boards rank current streaks."""
        if by is RankBy.STREAK:
            seq = await self.store.last_revealed_seq(guild_id)
            top = await self.store.top_streaks(guild_id, seq, BOARD_SIZE)
            mine = await self.store.streak_rank(guild_id, seq, caller_id)
            return Leaderboard(period, by, top, mine)
        config = await self.config(guild_id)
        key = (
            None
            if period is Period.ALL
            else calendar.period_key(period, self.clock.now(), config.timezone)
        )
        top = await self.store.top_points(guild_id, key, BOARD_SIZE)
        mine = await self.store.points_rank(guild_id, key, caller_id)
        return Leaderboard(period, by, top, mine)
