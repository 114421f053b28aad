"""Answering: record a member's answer, and the self-grade of an open question."""

from __future__ import annotations

from bot.core import scoring
from bot.core.engine import Engine
from bot.core.errors import InvalidInput, NotAllowed, NotFound, PostClosed
from bot.core.model import Answer, AnswerReceipt, GuildConfig, Member, Post, PostKind
from bot.core.ports import StoreTx
from bot.core.revealing import Revealing, period_points

MAX_OPEN_ANSWER = 1000
CLOSED = "This question has already been revealed; answers are closed."


class Answering:
    """Answers are acknowledged only once committed; grades count once."""

    def __init__(self, engine: Engine, revealing: Revealing) -> None:
        self._engine = engine
        self._revealing = revealing

    async def answer(
        self,
        post_id: int,
        member: Member,
        *,
        choice: int | None = None,
        text: str | None = None,
        guild_id: str | None = None,
    ) -> AnswerReceipt:
        """Record (or replace) a member's answer; acknowledged only once committed.

        `guild_id` is where the click came from: a post of another guild is refused.
        """
        engine = self._engine
        post = await self._post_in(post_id, guild_id)
        if not post.is_open:
            raise PostClosed(CLOSED)
        view = engine.view(post)
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
        await engine.hooks.check_answer(post, member)
        record = Answer(post_id, member, engine.clock.now(), choice=choice, text=text)
        if not await engine.store.submit_answer(record):
            engine.posts.forget(post_id)
            raise PostClosed(CLOSED)
        if post.kind is PostKind.PRIVATE:
            await self._revealing.reveal(post_id)
            return AnswerReceipt(view, choice, correct=scoring.grade(question, record))
        return AnswerReceipt(view, choice)

    async def self_grade(
        self, post_id: int, member: Member, *, correct: bool, guild_id: str | None = None
    ) -> bool:
        """An open question's answerer grades themself after the reveal, once.

        Practice scores nothing. A daily's self-grade moves the streak only while that
        daily is still the guild's latest revealed one; later it adds points only, so a
        streak never changes behind the back of a newer daily.
        """
        engine = self._engine
        post = await self._post_in(post_id, guild_id)
        if engine.question_of(post).is_choice:
            raise InvalidInput(
                "Only open (free-text) questions are self-graded; the bot grades choice "
                "questions itself at the reveal."
            )
        if post.is_open:
            raise InvalidInput("Wait for the reveal, then compare your answer with the model one.")
        now = engine.clock.now()

        async def job(tx: StoreTx) -> bool:
            answer = await tx.self_grade(post_id, member.id, correct, now)
            if answer is None:
                return False
            if post.kind is PostKind.PRIVATE:
                return True
            [stats] = await tx.stats_for(post.guild_id, [(member.id, answer.member.name)])
            # Whether self-grades score here is the guild's choice (off by default).
            scores = await engine.hooks.on_self_grade(tx, post, answer, stats, correct)
            seq = post.daily_seq if post.kind is PostKind.DAILY and scores else None
            if seq is not None and (
                seq != await tx.last_revealed_seq(post.guild_id) or stats.streak_seq >= seq
            ):
                seq = None  # a newer daily or a streak saver already settled the streak
            scoring.apply_result(
                stats,
                correct=correct,
                difficulty=post.difficulty,
                kind=post.kind,
                daily_seq=seq,
                scored=scores,
            )
            config = await tx.guild(post.guild_id) or GuildConfig(post.guild_id, engine.platform)
            # A grade that scores nothing still puts the member on the period's boards (0).
            earned = {member.id: post.difficulty.points if scores and correct else 0}
            await tx.save_stats([stats], period_points(post, config, earned))
            return True

        if not await engine.store.write(job):
            raise InvalidInput("Only members who answered before the reveal can grade, once.")
        return correct

    async def _post_in(self, post_id: int, guild_id: str | None) -> Post:
        """The post, unless a click from another guild (a forged or copied id) names it."""
        post = await self._engine.posts.get(post_id)
        if guild_id is not None and post.guild_id != guild_id:
            raise NotFound("This question belongs to another server.")
        return post
