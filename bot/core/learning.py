"""The service's hooks for fair play and the learning loop, one call at each turning point.

- before an answer: an excluded member is refused, and a private question whose
  question went live in the guild meanwhile does not reveal its key;
- before a draw: an excluded member is refused;
- at a reveal: every graded answer moves the member's review card, and a daily
  settles streak savers before the streaks are credited;
- at a self-grade: the card moves, savers settle, and the guild's rule says
  whether the grade scores points and streaks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core import review, savers
from bot.core.errors import NotAllowed, PostClosed
from bot.core.learning_model import Savers
from bot.core.model import Answer, Member, MemberStats, Post, PostKind
from bot.core.ports import Clock, Store, StoreTx
from bot.core.questions import Question
from bot.core.savers import DailyOutcome

EXCLUDED = "An admin has excluded you from this server's quiz for now; your answers do not count."
LIVE_NOW = (
    "This question is live in the channel right now, so its answer stays hidden here: "
    "answer it there, and draw another practice question."
)
# Other processes learn of an exclusion within this time; this one at once.
EXCLUDED_TTL = timedelta(seconds=30)


class LearningHooks:
    """Called by the service inside its use cases; everything else lives in the use cases."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._excluded: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._loading: dict[str, asyncio.Future[frozenset[str]]] = {}
        # Bumped by each change, so that a read begun before it is not cached after it.
        self._generation: dict[str, int] = {}

    # -- fair play ----------------------------------------------------------------

    async def excluded(self, guild_id: str) -> frozenset[str]:
        """Members kept out of scoring, cached briefly: answers are the hot path."""
        now = self._clock.now()
        cached = self._excluded.get(guild_id)
        if cached is not None and now - cached[0] < EXCLUDED_TTL:
            return cached[1]
        # A burst of answers to a guild not cached yet shares one read, not one each.
        loading = self._loading.get(guild_id)
        if loading is None:
            loading = asyncio.ensure_future(self._store.excluded(guild_id))
            self._loading[guild_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(guild_id, None))
        generation = self._generation.get(guild_id, 0)
        members = await asyncio.shield(loading)
        if self._generation.get(guild_id, 0) == generation:
            self._excluded[guild_id] = (now, members)
        return members

    def exclusions_changed(self, guild_id: str) -> None:
        """Drop the cached exclusions of a guild after an admin changed them."""
        self._excluded.pop(guild_id, None)
        self._loading.pop(guild_id, None)
        self._generation[guild_id] = self._generation.get(guild_id, 0) + 1

    async def check_member(self, guild_id: str, member: Member) -> None:
        """NotAllowed for a member an admin excluded."""
        if member.id in await self.excluded(guild_id):
            raise NotAllowed(EXCLUDED)

    async def check_answer(self, post: Post, member: Member) -> None:
        """Refuse an excluded member, and a private answer whose key is live in the guild."""
        await self.check_member(post.guild_id, member)
        if post.kind is PostKind.PRIVATE and post.question_id in await self._store.live_questions(
            post.guild_id
        ):
            raise PostClosed(LIVE_NOW)

    # -- grading ------------------------------------------------------------------

    async def on_reveal(
        self,
        tx: StoreTx,
        post: Post,
        question: Question,
        answers: Sequence[Answer],
        grades: dict[str, bool | None],
    ) -> None:
        """Move review cards for graded answers; settle savers of a daily before crediting."""
        graded = [(a, v) for a in answers if (v := grades.get(a.member.id)) is not None]
        await self._grade_cards(tx, post, graded)
        if post.kind is PostKind.DAILY and post.daily_seq is not None:
            await self._settle_daily(tx, post, question, grades)

    async def on_self_grade(
        self, tx: StoreTx, post: Post, answer: Answer, stats: MemberStats, correct: bool
    ) -> bool:
        """Move the card and settle savers; True when the guild lets self-grades score.

        NotAllowed for an excluded member (the grade is then rolled back with the job).
        """
        await self.check_member(post.guild_id, answer.member)
        await self._grade_cards(tx, post, [(answer, correct)])
        scores = await tx.selfgrade_scores(post.guild_id)
        seq = post.daily_seq
        if scores and post.kind is PostKind.DAILY and seq is not None and stats.streak_seq < seq:
            alive = stats.streak > 0 and stats.streak_seq == seq - 1
            outcome = DailyOutcome.RIGHT if correct else DailyOutcome.WRONG
            held = (await tx.savers(post.guild_id, [stats.member_id])).get(stats.member_id)
            before = held or Savers()
            after, bridged = savers.settle(
                before, outcome, streak_alive=alive, at=self._clock.now()
            )
            if after != before:
                await tx.save_savers(post.guild_id, {stats.member_id: after})
            if bridged:
                stats.streak_seq = seq  # settled: the credit that follows leaves the streak be
        return scores

    async def _grade_cards(
        self, tx: StoreTx, post: Post, graded: Sequence[tuple[Answer, bool]]
    ) -> None:
        if not graded:
            return
        members = [answer.member.id for answer, _ in graded]
        cards = await tx.cards(post.guild_id, post.question_id, members)
        await tx.save_cards(
            [
                review.grade_card(
                    cards.get(answer.member.id),
                    guild_id=post.guild_id,
                    member_id=answer.member.id,
                    question_id=post.question_id,
                    correct=correct,
                    at=answer.answered_at,
                )
                for answer, correct in graded
            ]
        )

    async def _settle_daily(
        self, tx: StoreTx, post: Post, question: Question, grades: dict[str, bool | None]
    ) -> None:
        seq = post.daily_seq
        assert seq is not None
        guild_id = post.guild_id
        holders = set(await tx.streak_holders(guild_id, seq - 1))
        if not question.is_choice and not await tx.selfgrade_scores(guild_id):
            # A self-graded daily that cannot score passes like a day without a daily.
            await tx.bridge_streaks(guild_id, sorted(holders), seq)
            return
        outcomes = dict.fromkeys(holders, DailyOutcome.MISSED)
        for member_id, verdict in grades.items():
            if verdict is None:
                outcomes.pop(member_id, None)  # settled by the member's self-grade
            else:
                outcomes[member_id] = DailyOutcome.RIGHT if verdict else DailyOutcome.WRONG
        current = await tx.savers(guild_id, sorted(outcomes))
        changed: dict[str, Savers] = {}
        bridged: list[str] = []
        now = self._clock.now()
        for member_id, outcome in sorted(outcomes.items()):
            before = current.get(member_id, Savers())
            after, saved = savers.settle(before, outcome, streak_alive=member_id in holders, at=now)
            if after != before:
                changed[member_id] = after
            if saved:
                bridged.append(member_id)
        if changed:
            await tx.save_savers(guild_id, changed)
        if bridged:
            await tx.bridge_streaks(guild_id, bridged, seq)
