"""QuizService: the use cases every adapter calls — post, draw, answer, reveal, stats, boards."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core import calendar, scoring, selection
from bot.core.bank import QuestionBank
from bot.core.errors import (
    ChannelUnavailable,
    DeliveryFailed,
    DrawAlreadyOpen,
    InvalidInput,
    NoQuestions,
    NotAllowed,
    NotFound,
    PostClosed,
)
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
    PostKind,
    PostView,
    RankBy,
    RevealView,
    Tally,
)
from bot.core.ports import Clock, NewPost, PeriodPoints, Publisher, Store, StoreTx
from bot.core.questions import Difficulty, Question

log = logging.getLogger(__name__)

BOARD_SIZE = 10
MAX_OPEN_ANSWER = 1000
PRIVATE_EXPIRY = timedelta(minutes=30)
ALL_LIVE = (
    "Every question that matches is open in this server right now; try another level or "
    "topic, or wait for a reveal."
)
_POST_CACHE_SIZE = 4096

RevealListener = Callable[[RevealView], Awaitable[None]]


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
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.platform = platform
        self.publisher = publisher
        self._rng = rng
        self.hooks = LearningHooks(store, clock)
        # Posts never change except message id and reveal time, and the writer re-checks
        # the reveal authoritatively, so a cache spares the answer path a read.
        self._posts: OrderedDict[int, Post] = OrderedDict()
        self._loading: dict[int, asyncio.Future[Post | None]] = {}
        # Community hooks: each guild's approved suggestions are served beside the packs, and
        # listeners (discussion threads, role rewards) run after a public reveal commits.
        self.guild_questions = GuildQuestions()
        self.reveal_listeners: list[RevealListener] = []

    # -- configuration --------------------------------------------------------

    async def config(self, guild_id: str) -> GuildConfig:
        """The guild's settings, defaults when it was never configured."""
        found = await self.store.guild(guild_id)
        return found or GuildConfig(guild_id=guild_id, platform=self.platform)

    async def update_config(self, guild_id: str, **changes: object) -> GuildConfig:
        """Apply already-validated setting changes atomically and return the result."""

        async def job(tx: StoreTx) -> GuildConfig:
            current = await tx.guild(guild_id) or GuildConfig(guild_id, self.platform)
            updated = dataclasses.replace(current, **changes)  # type: ignore[arg-type]
            await tx.save_guild(updated)
            return updated

        return await self.store.write(job)

    async def record_error(self, guild_id: str, message: str | None) -> None:
        """Remember (or clear, with None) the guild's last delivery problem for `status`."""
        at = self.clock.now() if message else None
        await self.update_config(guild_id, last_error=message, last_error_at=at)

    # -- posting --------------------------------------------------------------

    async def post_daily(self, guild_id: str, *, manual: bool = False) -> PostView | None:
        """Post today's daily question unless it is already out (or today is not a posting day).

        `manual` (the admin's postnow) posts on any day, even when paused, and raises
        DeliveryFailed when the channel refuses the post. Returns the published view, or
        None when nothing was posted.
        """
        config = await self.config(guild_id)
        if config.channel_id is None:
            raise NotFound("No daily channel is set yet: run the setup command first.")
        now = self.clock.now()
        today = calendar.local_date(now, config.timezone)
        if not manual and calendar.due_today(config, now) is None:
            return None
        previous = await self.store.open_daily(guild_id)
        if previous is not None:
            if previous.local_date == today.isoformat():
                return None  # today's is out already (and still open)
            # A new question of the day closes yesterday's, so streaks stay in posting order.
            await self.reveal(previous.post_id)
        level = calendar.daily_level(config, today)
        matching = self._matching(guild_id, level, None)
        channel_id = config.channel_id

        async def job(tx: StoreTx) -> Post | None:
            if await tx.daily_on(guild_id, today.isoformat()) is not None:
                return None
            await self._ensure_guild(tx, config)
            key = selection.bag_key(level, None)
            question_id = await self._take(
                tx, guild_id, key, matching, await tx.live_questions(guild_id)
            )
            draft = self._draft(
                config, channel_id, PostKind.DAILY, question_id, config.daily_reveal_s
            )
            return await tx.insert_post(dataclasses.replace(draft, local_date=today.isoformat()))

        post = await self.store.write(job)
        if post is None:
            return None
        self._remember(post)
        return await self._publish(post, config, raise_on_failure=manual)

    async def republish_unsent(self) -> None:
        """Publish daily posts whose message was never confirmed (a stop between the two)."""
        for post in await self.store.open_posts(self.platform):
            if post.kind is PostKind.DAILY and post.message_id is None:
                await self._publish(post, await self.config(post.guild_id))

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
        topic = self.bank.check_topic(topic) if topic else None
        matching = self._matching(guild_id, difficulty, topic)
        config = await self.config(guild_id)
        kind = PostKind.PRIVATE if private else PostKind.DRAW
        key = selection.bag_key(difficulty, topic, owner=member.id if private else None)
        await self.hooks.check_member(guild_id, member)

        async def job(tx: StoreTx) -> Post:
            if not private:
                existing = await tx.open_draw(channel_id)
                if existing is not None:
                    unix = int(existing.reveal_at.timestamp())
                    raise DrawAlreadyOpen(
                        "A question is already open in this channel; answer it or wait for "
                        "its reveal.",
                        unix,
                    )
            await self._ensure_guild(tx, config)
            question_id = await self._take(
                tx, guild_id, key, matching, await tx.live_questions(guild_id)
            )
            delay = int(PRIVATE_EXPIRY.total_seconds()) if private else config.draw_reveal_s
            draft = self._draft(config, channel_id, kind, question_id, delay)
            owner = member.id if private else None
            return await tx.insert_post(dataclasses.replace(draft, owner_id=owner))

        post = await self.store.write(job)
        self._remember(post)
        return self._view(post)

    async def attach_message(self, post_id: int, message_id: str) -> None:
        """Record which platform message shows a post (the adapter sent it itself)."""

        async def job(tx: StoreTx) -> None:
            await tx.set_message_id(post_id, message_id)

        await self.store.write(job)
        cached = self._posts.get(post_id)
        if cached is not None:
            self._posts[post_id] = dataclasses.replace(cached, message_id=message_id)

    async def discard(self, post_id: int) -> None:
        """Forget a post that could not be delivered."""

        async def job(tx: StoreTx) -> None:
            await tx.delete_post(post_id)

        await self.store.write(job)
        self._posts.pop(post_id, None)

    # -- answering ------------------------------------------------------------

    async def answer(
        self, post_id: int, member: Member, *, choice: int | None = None, text: str | None = None
    ) -> AnswerReceipt:
        """Record (or replace) a member's answer; acknowledged only once committed."""
        post = await self.post(post_id)
        if not post.is_open:
            raise PostClosed("This question has already been revealed; answers are closed.")
        view = self._view(post)
        question = view.question
        if question.is_choice:
            if choice is None or choice not in post.choice_order:
                raise InvalidInput("That is not one of this question's choices.")
            text = None
        else:
            text = (text or "").strip()
            if not text:
                raise InvalidInput("Your answer is empty: type what you would say.")
            if len(text) > MAX_OPEN_ANSWER:
                raise InvalidInput(f"Keep your answer under {MAX_OPEN_ANSWER} characters.")
            choice = None
        if post.kind is PostKind.PRIVATE and post.owner_id != member.id:
            raise NotAllowed("This practice question belongs to someone else: draw your own.")
        await self.hooks.check_answer(post, member)
        record = Answer(post_id, member, self.clock.now(), choice=choice, text=text)
        if not await self.store.submit_answer(record):
            self._posts.pop(post_id, None)
            raise PostClosed("This question has already been revealed; answers are closed.")
        if post.kind is PostKind.PRIVATE:
            await self.reveal(post_id)
            return AnswerReceipt(view, choice, correct=scoring.grade(question, record))
        return AnswerReceipt(view, choice)

    async def self_grade(self, post_id: int, member: Member, *, correct: bool) -> bool:
        """An open question's answerer grades themself after the reveal, once."""
        post = await self.post(post_id)
        if post.is_open:
            raise InvalidInput("Wait for the reveal, then compare your answer with the model one.")
        config = await self.config(post.guild_id)

        async def job(tx: StoreTx) -> bool:
            answer = await tx.self_grade(post_id, member.id, correct)
            if answer is None:
                return False
            [stats] = await tx.stats_for(post.guild_id, [(member.id, answer.member.name)])
            scores = await self.hooks.on_self_grade(tx, post, answer, stats, correct)
            seq = post.daily_seq if post.kind is PostKind.DAILY and scores else None
            if seq is not None and stats.streak_seq >= seq:
                seq = None  # a later daily (or a saver) already settled the streak: points only
            scoring.apply_result(
                stats,
                correct=correct,
                difficulty=post.difficulty,
                kind=post.kind,
                daily_seq=seq,
                scored=scores,
            )
            winners = {member.id} if scores and correct else set()
            await tx.save_stats([stats], self._period_points(post, config, winners))
            return True

        if not await self.store.write(job):
            raise InvalidInput("Only members who answered before the reveal can grade, once.")
        return correct

    # -- revealing ------------------------------------------------------------

    async def reveal(self, post_id: int) -> RevealView | None:
        """Close a post, grade it and credit points; None when it was revealed already."""
        now = self.clock.now()

        async def job(tx: StoreTx) -> RevealView | None:
            post = await tx.post(post_id)
            if post is None or not await tx.mark_revealed(post_id, now):
                return None
            post = dataclasses.replace(post, revealed_at=now)
            try:
                question = self.question(post.question_id)
            except NotFound:
                # Its pack was changed since posting: close the post, nothing left to grade.
                log.warning(
                    "post %s: question %s is gone; closed ungraded", post_id, post.question_id
                )
                return None
            answers = await tx.answers(post_id)
            grades = [(a.member.id, scoring.grade(question, a)) for a in answers]
            await tx.set_graded(post_id, grades)
            await self.hooks.on_reveal(tx, post, question, answers, dict(grades))
            if post.kind is not PostKind.PRIVATE:
                config = await tx.guild(post.guild_id) or GuildConfig(post.guild_id, self.platform)
                await self._credit(tx, post, config, answers, dict(grades))
            per_choice, answered, correct = scoring.tally(question, answers)
            return RevealView(post, question, Tally(per_choice, answered, correct))

        view = await self.store.write(job)
        self._posts.pop(post_id, None)
        if view is not None and view.post.kind is not PostKind.PRIVATE:
            await self._show_reveal(view)
            for listener in self.reveal_listeners:
                await listener(view)
        return view

    async def due_reveals(self) -> list[Post]:
        """Unrevealed posts of this platform, soonest first (for the scheduler)."""
        return await self.store.open_posts(self.platform)

    # -- reading --------------------------------------------------------------

    async def post(self, post_id: int) -> Post:
        """A post by id (cached), or NotFound."""
        post = self._posts.get(post_id)
        if post is not None:
            return post
        # A burst of answers to a post not cached yet shares one read, not one each.
        loading = self._loading.get(post_id)
        if loading is None:
            loading = asyncio.ensure_future(self.store.post(post_id))
            self._loading[post_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(post_id, None))
        found = await asyncio.shield(loading)
        if found is None:
            raise NotFound("This question no longer exists.")
        if found.is_open:
            self._remember(found)
        return found

    def _remember(self, post: Post) -> None:
        self._posts[post.post_id] = post
        self._posts.move_to_end(post.post_id)
        if len(self._posts) > _POST_CACHE_SIZE:
            self._posts.popitem(last=False)

    async def view(self, post_id: int) -> PostView:
        """A post with its question, for rendering."""
        return self._view(await self.post(post_id))

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

    # -- internals ------------------------------------------------------------

    def question(self, question_id: str) -> Question:
        """A question of the packs or of a guild's approved suggestions, or NotFound."""
        return self.guild_questions.get(question_id) or self.bank.get(question_id)

    def _matching(
        self, guild_id: str, difficulty: Difficulty | None, topic: str | None
    ) -> list[str]:
        found = self.bank.matching(difficulty, topic)
        matching = sorted({*found, *self.guild_questions.matching(guild_id, difficulty, topic)})
        if not matching:
            wanted = " ".join(filter(None, [difficulty and difficulty.value, topic])) or "any"
            raise NoQuestions(f"No question matches {wanted}: try another level or topic.")
        return matching

    async def _take(
        self, tx: StoreTx, guild_id: str, key: str, matching: list[str], live: set[str]
    ) -> str:
        # A question open in the guild is never served again before its reveal: that
        # post's reveal would show the other's key early.
        if not set(matching) - live:
            raise NoQuestions(ALL_LIVE)
        remaining, last = await tx.bag(guild_id, key)
        question_id, rest = selection.draw(remaining, matching, self._rng, last=last, skip=live)
        await tx.save_bag(guild_id, key, rest, question_id)
        return question_id

    def _draft(
        self,
        config: GuildConfig,
        channel_id: str,
        kind: PostKind,
        question_id: str,
        delay_s: int,
    ) -> NewPost:
        question = self.question(question_id)
        order = list(range(len(question.choices or [])))
        self._rng.shuffle(order)
        now = self.clock.now()
        return NewPost(
            guild_id=config.guild_id,
            platform=self.platform,
            channel_id=channel_id,
            kind=kind,
            question_id=question_id,
            difficulty=question.difficulty,
            choice_order=tuple(order),
            posted_at=now,
            reveal_at=now + timedelta(seconds=delay_s),
        )

    async def _ensure_guild(self, tx: StoreTx, config: GuildConfig) -> None:
        if await tx.guild(config.guild_id) is None:
            await tx.save_guild(config)

    async def _credit(
        self,
        tx: StoreTx,
        post: Post,
        config: GuildConfig,
        answers: list[Answer],
        grades: dict[str, bool | None],
    ) -> None:
        members = [(a.member.id, a.member.name) for a in answers]
        stats = await tx.stats_for(post.guild_id, members)
        for member_stats in stats:
            verdict = grades[member_stats.member_id]
            seq = post.daily_seq
            if seq is not None and member_stats.streak_seq >= seq:
                seq = None  # a streak saver already settled this daily for the member
            if verdict is not None:  # open answers wait for the member's self-grade
                scoring.apply_result(
                    member_stats,
                    correct=verdict,
                    difficulty=post.difficulty,
                    kind=post.kind,
                    daily_seq=seq,
                )
        winners = {member for member, verdict in grades.items() if verdict}
        await tx.save_stats(stats, self._period_points(post, config, winners))
        if post.kind is PostKind.DAILY and post.daily_seq is not None:
            await tx.set_last_revealed_seq(post.guild_id, post.daily_seq)

    def _period_points(
        self, post: Post, config: GuildConfig, winners: set[str]
    ) -> list[PeriodPoints]:
        # A post's points count in the week and month it was posted, in the guild's zone.
        keys = [
            calendar.period_key(p, post.posted_at, config.timezone)
            for p in (Period.WEEK, Period.MONTH)
        ]
        points = post.difficulty.points
        return [
            PeriodPoints(post.guild_id, key, m, points) for m in sorted(winners) for key in keys
        ]

    def _view(self, post: Post) -> PostView:
        return PostView(post, self.question(post.question_id))

    async def _publish(
        self, post: Post, config: GuildConfig, *, raise_on_failure: bool = False
    ) -> PostView | None:
        view = self._view(post)
        if self.publisher is None:
            return view
        try:
            message_id = await self.publisher.publish(view, config.ping_role)
        except ChannelUnavailable as exc:
            log.warning("guild %s: daily post failed: %s", post.guild_id, exc)
            await self.discard(post.post_id)
            problem = f"Could not post the daily question: {exc}"
            await self.record_error(post.guild_id, problem)
            if raise_on_failure:
                raise DeliveryFailed(problem) from exc
            return None
        await self.attach_message(post.post_id, message_id)
        if config.last_error:
            await self.record_error(post.guild_id, None)
        return dataclasses.replace(view, post=dataclasses.replace(post, message_id=message_id))

    async def _show_reveal(self, view: RevealView) -> None:
        if self.publisher is None:
            return
        try:
            await self.publisher.show_reveal(view)
        except ChannelUnavailable as exc:
            log.warning(
                "guild %s: reveal of post %s failed: %s", view.post.guild_id, view.post.post_id, exc
            )
            await self.record_error(view.post.guild_id, f"Could not show a reveal: {exc}")
