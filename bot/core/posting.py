"""Posting: the question of the day (scheduled or by an admin) and draws, each recorded with
the delivery that will show it, in one transaction."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import calendar, selection
from bot.core.engine import Engine
from bot.core.errors import DrawAlreadyOpen, NoQuestions, NotFound
from bot.core.model import (
    Delivery,
    DeliveryKind,
    GuildConfig,
    Member,
    Period,
    Post,
    PostKind,
    PostView,
    RevealView,
)
from bot.core.ports import NewDelivery, NewPost, StoreTx
from bot.core.questions import Difficulty
from bot.core.revealing import Revealing

log = logging.getLogger(__name__)

# An unanswered practice question closes a day after it was drawn (the ticker does it).
PRIVATE_EXPIRY = timedelta(days=1)
# How long an adapter that shows a post itself (a draw answering /quiz) holds its delivery;
# after that the worker looks for the message and attaches it, or gives the draw up.
INLINE_CLAIM = timedelta(minutes=2)
ALL_LIVE = (
    "Every question that matches is open in this server right now; try another level or "
    "topic, or wait for a reveal."
)


@dataclass(frozen=True)
class Daily:
    """Today's daily question: the post, its pending delivery, and whether it is new."""

    post: Post
    delivery: Delivery | None
    created: bool
    closed: RevealView | None = None  # the previous daily, revealed to make way


class Posting:
    """Creates posts; never talks to a platform (the delivery does)."""

    def __init__(self, engine: Engine, revealing: Revealing) -> None:
        self._engine = engine
        self._revealing = revealing

    # -- the question of the day ------------------------------------------------------

    async def post_scheduled(self, guild_id: str) -> Post | None:
        """The ticker's work for one due guild: post today's daily if it is still today's,
        then move the guild's next slot on. Returns the new post, if any."""
        engine = self._engine
        now = engine.clock.now()

        async def job(tx: StoreTx) -> Post | None:
            config = await tx.guild(guild_id)
            if config is None or not config.is_scheduled:
                await tx.set_next_due(guild_id, None)
                return None
            posted = None
            if calendar.due_today(config, now) is not None:
                try:
                    daily = await self._daily_in_tx(tx, config, now, claim=False)
                except NoQuestions as exc:
                    log.warning("guild %s: no daily question: %s", guild_id, exc)
                else:
                    posted = daily.post if daily.created else None
                    closed.extend([daily.closed] if daily.closed else [])
            await tx.set_next_due(guild_id, calendar.next_slot(config, now))
            return posted

        closed: list[RevealView] = []
        post = await engine.store.write(job)
        for view in closed:
            await engine.revealed(view)
        if post is not None:
            engine.outbox_changed()
        return post

    async def post_daily(self, guild_id: str, *, claim: bool = False) -> Daily:
        """Post today's daily now, on any day, unless one was posted today already.

        With `claim`, the caller holds the new delivery to perform it at once (postnow).
        """
        engine = self._engine
        config = await engine.config(guild_id)
        if config.channel_id is None:
            raise NotFound("No daily channel is set yet: run the setup command first.")
        now = engine.clock.now()

        async def job(tx: StoreTx) -> Daily:
            return await self._daily_in_tx(tx, config, now, claim=claim)

        daily = await engine.store.write(job)
        if daily.created:
            engine.outbox_changed()
        if daily.closed is not None:
            await engine.revealed(daily.closed)
        return daily

    async def _daily_in_tx(
        self, tx: StoreTx, config: GuildConfig, now: datetime, *, claim: bool
    ) -> Daily:
        engine = self._engine
        assert config.channel_id is not None
        guild_id = config.guild_id
        today = calendar.local_date(now, config.timezone)
        start, end = calendar.day_bounds(today, config.timezone)
        existing = await tx.daily_between(guild_id, start, end)
        if existing is not None:
            delivery = await tx.pending_delivery(existing.post_id, DeliveryKind.POST)
            return Daily(existing, delivery, created=False)
        level = calendar.daily_level(config, today)
        matching = self._matching(guild_id, level, None)
        previous = await tx.open_daily(guild_id)
        closed = None
        if previous is not None:
            # A new question of the day closes the previous one, so streaks keep posting order;
            # one that never reached its channel is given up instead.
            if previous.is_delivered:
                closed = await self._revealing.reveal_in_tx(tx, previous.post_id, now)
            else:
                await self.void_in_tx(tx, previous, now, "a newer daily replaced it")
            engine.posts.forget(previous.post_id)
        question_id = await self._take(tx, guild_id, selection.bag_key(level, None), matching)
        draft = self.draft(
            config, config.channel_id, PostKind.DAILY, question_id, config.daily_reveal_s, now
        )
        post = await tx.insert_post(dataclasses.replace(draft, local_date=today.isoformat()))
        delivery = None
        if engine.delivers:
            delivery = await tx.add_delivery(
                NewDelivery(
                    engine.platform,
                    guild_id,
                    DeliveryKind.POST,
                    post.post_id,
                    now,
                    now,
                    expires_at=end,  # a daily shown on a later day would count on the wrong one
                    claimed_by=engine.owner if claim else None,
                    claimed_until=now + INLINE_CLAIM if claim else None,
                )
            )
        return Daily(post, delivery, created=True, closed=closed)

    async def void_in_tx(self, tx: StoreTx, post: Post, now: datetime, why: str) -> None:
        """Give up a post nobody saw (and its pending delivery); it counts for nothing."""
        await tx.void_post(post.post_id, now)
        pending = await tx.pending_delivery(post.post_id, DeliveryKind.POST)
        if pending is not None:
            await tx.fail_delivery(pending.delivery_id, now, why)

    # -- draws --------------------------------------------------------------------------

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
        """Draw a question now: public (one open per channel) or private practice.

        A public draw is shown by the adapter answering the command, which holds its
        delivery meanwhile and reports the message with `attach_message`.
        """
        engine = self._engine
        topic = engine.bank.check_topic(topic) if topic else None
        matching = self._matching(guild_id, difficulty, topic)
        config = await engine.config(guild_id)
        kind = PostKind.PRIVATE if private else PostKind.DRAW
        key = selection.bag_key(difficulty, topic, owner=member.id if private else None)
        now = engine.clock.now()
        await engine.hooks.check_member(guild_id, member)

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
            if await tx.guild(guild_id) is None:
                await tx.save_guild(config)
            question_id = await self._take(tx, guild_id, key, matching)
            delay = int(PRIVATE_EXPIRY.total_seconds()) if private else config.draw_reveal_s
            draft = self.draft(config, channel_id, kind, question_id, delay, now)
            inline = private or not engine.delivers
            post = await tx.insert_post(
                dataclasses.replace(
                    draft,
                    owner_id=member.id if private else None,
                    delivered_at=now if inline else None,
                )
            )
            if not inline:
                await tx.add_delivery(
                    NewDelivery(
                        engine.platform,
                        guild_id,
                        DeliveryKind.POST,
                        post.post_id,
                        now,
                        now,
                        claimed_by=engine.owner,
                        claimed_until=now + INLINE_CLAIM,
                    )
                )
            return post

        post = await engine.store.write(job)
        engine.posts.remember(post)
        return engine.view(post)

    async def expire_practice(self) -> int:
        """Close the practice questions left unanswered past their expiry; how many."""
        engine = self._engine
        now = engine.clock.now()

        async def job(tx: StoreTx) -> list[int]:
            return await tx.expire_private(engine.platform, now)

        closed = await engine.store.write(job)
        for post_id in closed:
            engine.posts.forget(post_id)
        return len(closed)

    async def attach_message(self, post_id: int, message_id: str) -> None:
        """The adapter showed a post itself: record its message; the post is live now."""
        engine = self._engine
        now = engine.clock.now()

        async def job(tx: StoreTx) -> Post | None:
            post = await tx.post(post_id)
            if post is None:
                return None
            await tx.mark_delivered(post_id, message_id, now, post.reveal_at)
            pending = await tx.pending_delivery(post_id, DeliveryKind.POST)
            if pending is not None:
                await tx.finish_delivery(pending.delivery_id, now)
            return await tx.post(post_id)

        post = await engine.store.write(job)
        if post is not None:
            engine.delivered(post)

    async def discard(self, post_id: int) -> None:
        """The adapter could not show a post: give it up, so it blocks nothing."""
        engine = self._engine
        now = engine.clock.now()

        async def job(tx: StoreTx) -> None:
            post = await tx.post(post_id)
            if post is not None:
                await self.void_in_tx(tx, post, now, "the platform refused it")

        await engine.store.write(job)
        engine.posts.forget(post_id)

    # -- helpers --------------------------------------------------------------------------

    def _matching(
        self, guild_id: str, difficulty: Difficulty | None, topic: str | None
    ) -> list[str]:
        # Community: the guild's approved suggestions are drawn with the packs' questions.
        found = self._engine.bank.matching(difficulty, topic)
        guild = self._engine.guild_questions.matching(guild_id, difficulty, topic)
        matching = sorted({*found, *guild})
        if not matching:
            wanted = " ".join(filter(None, [difficulty and difficulty.value, topic])) or "any"
            raise NoQuestions(f"No question matches {wanted}: try another level or topic.")
        return matching

    async def _take(self, tx: StoreTx, guild_id: str, key: str, matching: list[str]) -> str:
        # A question open in the guild is never served again before its reveal: that
        # post's reveal would show the other's key early.
        live = await tx.live_questions(guild_id)
        if not set(matching) - live:
            raise NoQuestions(ALL_LIVE)
        remaining, last = await tx.bag(guild_id, key)
        question_id, rest = selection.draw(
            remaining, matching, self._engine.rng, last=last, skip=live
        )
        await tx.save_bag(guild_id, key, rest, question_id)
        return question_id

    def draft(
        self,
        config: GuildConfig,
        channel_id: str,
        kind: PostKind,
        question_id: str,
        delay_s: int,
        now: datetime,
    ) -> NewPost:
        """A new post of `question_id` in the guild's zone, its choices shuffled."""
        engine = self._engine
        question = engine.question(question_id)
        order = list(range(len(question.choices or [])))
        engine.rng.shuffle(order)
        return NewPost(
            guild_id=config.guild_id,
            platform=engine.platform,
            channel_id=channel_id,
            kind=kind,
            question_id=question_id,
            difficulty=question.difficulty,
            choice_order=tuple(order),
            posted_at=now,
            reveal_at=now + timedelta(seconds=delay_s),
            week_key=calendar.period_key(Period.WEEK, now, config.timezone),
            month_key=calendar.period_key(Period.MONTH, now, config.timezone),
            delivered_at=None if engine.delivers else now,
        )
