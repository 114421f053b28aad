"""Revealing: close a post, grade it, credit points and streaks, and record the reveal edit."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import datetime

from bot.core import calendar, scoring
from bot.core.engine import Engine
from bot.core.errors import NotFound
from bot.core.model import (
    Answer,
    DeliveryKind,
    GuildConfig,
    Period,
    Post,
    PostKind,
    RevealView,
    Tally,
)
from bot.core.ports import NewDelivery, PeriodPoints, StoreTx
from bot.core.questions import Question

log = logging.getLogger(__name__)


class Revealing:
    """Reveals happen exactly once, in one transaction with everything they imply."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def reveal(self, post_id: int) -> RevealView | None:
        """Close a delivered post, grade it and credit points; None when there is nothing to do."""
        now = self._engine.clock.now()

        async def job(tx: StoreTx) -> RevealView | None:
            return await self.reveal_in_tx(tx, post_id, now)

        view = await self._engine.store.write(job)
        # Not cached as open any more, even when closed ungraded (its question left the
        # packs): the next click reads the post and finds it closed.
        self._engine.posts.forget(post_id)
        if view is not None:
            self._engine.outbox_changed()
            if view.post.kind is not PostKind.PRIVATE:
                await self._engine.revealed(view)
        return view

    async def reveal_in_tx(self, tx: StoreTx, post_id: int, now: datetime) -> RevealView | None:
        """The reveal inside a transaction; the edit that shows it is recorded with it."""
        engine = self._engine
        post = await tx.post(post_id)
        # A post nobody saw is never revealed: it is delivered late or given up.
        if post is None or not post.is_open or not post.is_delivered:
            return None
        question = self._question(post)
        seq = None
        if post.kind is PostKind.DAILY and question is not None:
            # Numbered at the reveal, so a daily that never counted leaves no gap.
            seq = await tx.last_revealed_seq(post.guild_id) + 1
        if not await tx.mark_revealed(post_id, now, seq):
            return None
        if question is None:
            # Closed ungraded; its message must still lose its live buttons.
            if (
                engine.delivers
                and post.message_id is not None
                and post.kind is not PostKind.PRIVATE
            ):
                await tx.add_delivery(
                    NewDelivery(
                        engine.platform, post.guild_id, DeliveryKind.REVEAL, post_id, now, now
                    )
                )
            return None
        post = dataclasses.replace(post, revealed_at=now, daily_seq=seq)
        answers = await tx.answers(post_id)
        grades = [(a.member.id, scoring.grade(question, a)) for a in answers]
        await tx.set_graded(post_id, grades)
        await engine.hooks.on_reveal(tx, post, question, answers, dict(grades))
        if post.kind is PostKind.PRIVATE:
            return _view(post, question, answers)
        config = await tx.guild(post.guild_id) or GuildConfig(post.guild_id, engine.platform)
        await self._credit(tx, post, config, answers, dict(grades))
        if engine.delivers and post.message_id is not None:
            await tx.add_delivery(
                NewDelivery(engine.platform, post.guild_id, DeliveryKind.REVEAL, post_id, now, now)
            )
            for effect in engine.reveal_effects:
                await effect(tx, post, now)
        return _view(post, question, answers)

    def _question(self, post: Post) -> Question | None:
        try:
            return self._engine.question_of(post)
        except NotFound:
            # Its pack was changed since posting: close the post, nothing left to grade.
            log.warning(
                "post %s: question %s is gone or changed; closed ungraded",
                post.post_id,
                post.question_id,
            )
            return None

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
        # Everyone graded counts in the period, with 0 points for a wrong answer: the week and
        # month boards list whoever answered then, as the all-time board does.
        earned = {
            member: post.difficulty.points if verdict else 0
            for member, verdict in grades.items()
            if verdict is not None
        }
        await tx.save_stats(stats, period_points(post, config, earned))
        if post.kind is PostKind.DAILY and post.daily_seq is not None:
            await tx.set_last_revealed_seq(post.guild_id, post.daily_seq)


def period_points(post: Post, config: GuildConfig, earned: Mapping[str, int]) -> list[PeriodPoints]:
    """Week and month points of the members graded on a post (0 for a wrong answer), so
    that each is on that week's and month's board; never for practice.

    A post's points count in the week and month it was posted, in the guild's zone at the
    time; posts from before those were stored fall back to the zone now.
    """
    if post.kind is PostKind.PRIVATE or not earned:
        return []
    keys = [
        post.week_key or calendar.period_key(Period.WEEK, post.posted_at, config.timezone),
        post.month_key or calendar.period_key(Period.MONTH, post.posted_at, config.timezone),
    ]
    return [
        PeriodPoints(post.guild_id, key, member, points)
        for member, points in sorted(earned.items())
        for key in keys
    ]


def _view(post: Post, question: Question, answers: list[Answer]) -> RevealView:
    per_choice, answered, correct = scoring.tally(question, answers)
    return RevealView(post, question, Tally(per_choice, answered, correct))
