"""Learning use cases: `/review`, "why was I wrong?", the learning side of `/stats`, reminders."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core import review, scoring
from bot.core.errors import ChannelUnavailable, InvalidInput, NotFound, PostClosed
from bot.core.learning_model import Explanation, LearningStats, ReviewOffer
from bot.core.model import Member, Post, PostKind
from bot.core.ports import Notifier, StoreTx
from bot.core.service import PRIVATE_EXPIRY, QuizService

log = logging.getLogger(__name__)

NOT_ANSWERED = (
    "You did not answer this question, so there is no answer of yours to explain. "
    "The correct answer and the explanation are in the post."
)
NOT_REVEALED = "The answer is not out yet: wait for the reveal, then ask again."
LIVE_AGAIN = (
    "This question is open again in this server right now, so its explanation waits for "
    "that reveal."
)
# Due cards are read a page at a time; those whose question is live are skipped.
_DUE_PAGE = 50


class Reviews:
    """Spaced review and explanations for one platform, on top of the service."""

    def __init__(self, service: QuizService, notifier: Notifier | None = None) -> None:
        self._service = service
        self.notifier = notifier

    async def review(self, guild_id: str, channel_id: str, member: Member) -> ReviewOffer:
        """The member's most overdue card as a private question, or when the next is due.

        No points and no stats: it is a private post, graded into the schedule when
        answered. A card whose question is open in the guild waits for its reveal.
        """
        service = self._service
        await service.hooks.check_member(guild_id, member)
        now = service.clock.now()
        config = await service.config(guild_id)

        async def job(tx: StoreTx) -> tuple[Post | None, int]:
            live = await tx.live_questions(guild_id)
            due = await service.store.due_cards(guild_id, member.id, now, _DUE_PAGE)
            known = [card for card in due if _known(service, card.question_id)]
            ready = [card for card in known if card.question_id not in live]
            held_back = len(known) - len(ready)
            if not ready:
                return None, held_back
            if await tx.guild(guild_id) is None:
                await tx.save_guild(config)
            question_id = ready[0].question_id
            delay = int(PRIVATE_EXPIRY.total_seconds())
            draft = service.posting.draft(
                config, channel_id, PostKind.PRIVATE, question_id, delay, now
            )
            # Private posts are shown by the command's own reply: delivered at once.
            post = dataclasses.replace(draft, owner_id=member.id, delivered_at=now)
            return await tx.insert_post(post), held_back

        post, held_back = await service.store.write(job)
        if post is None:
            _, next_due = await service.store.review_summary(guild_id, member.id, now)
            return ReviewOffer(None, next_due, held_back)
        return ReviewOffer(await service.view(post.post_id), held_back=held_back)

    async def explain(self, post_id: int, member: Member) -> Explanation:
        """A member's own answer to a revealed post: right or not, why, and the explanation."""
        service = self._service
        post = await service.post(post_id)
        if post.is_open:
            raise InvalidInput(NOT_REVEALED)
        if post.kind is PostKind.PRIVATE and post.owner_id != member.id:
            raise NotFound(NOT_ANSWERED)
        if post.question_id in await service.store.live_questions(post.guild_id):
            raise PostClosed(LIVE_AGAIN)
        found = await service.store.answer_grade(post_id, member.id)
        if found is None:
            raise NotFound(NOT_ANSWERED)
        answer, graded = found
        view = await service.view(post_id)
        correct = graded if graded is not None else scoring.grade(view.question, answer)
        return Explanation(view, answer, correct)

    async def learning_stats(self, guild_id: str, member_id: str) -> LearningStats:
        """Reviews due, the three weakest topics, streak savers, and whether excluded."""
        store = self._service.store
        now = self._service.clock.now()
        due, next_due = await store.review_summary(guild_id, member_id, now)
        weakest = review.weakest_topics(
            self._service.question, await store.card_counts(guild_id, member_id)
        )
        return LearningStats(
            due=due,
            next_due=next_due,
            weakest=weakest,
            savers=await store.savers_of(guild_id, member_id),
            excluded=member_id in await self._service.hooks.excluded(guild_id),
        )

    async def set_reminder(self, guild_id: str, member: Member, on: bool) -> bool:
        """Turn the member's daily review reminder on or off."""

        async def job(tx: StoreTx) -> None:
            await tx.set_reminder(guild_id, member.id, on)

        await self._service.store.write(job)
        return on

    async def reminder_on(self, guild_id: str, member_id: str) -> bool:
        """True when the member asked for review reminders."""
        return await self._service.store.reminder_on(guild_id, member_id)

    async def send_reminders(self, owns_guild: Callable[[str], bool] = lambda _: True) -> int:
        """Remind every member who asked and has reviews due, at most once a local day.

        With shards, each process reminds only in the guilds it owns (`owns_guild`), so a
        member is never reminded by two processes.
        """
        if self.notifier is None:
            return 0
        service = self._service
        now = service.clock.now()
        sent = 0
        for candidate in await service.store.reminder_candidates(service.platform, now):
            if not owns_guild(candidate.guild_id) or not review.should_remind(candidate, now):
                continue
            try:
                await self.notifier.remind(candidate.guild_id, candidate.member_id, candidate.due)
                sent += 1
            except ChannelUnavailable as exc:
                # Closed DMs stay closed for a while: try again tomorrow, not every hour.
                log.info("review reminder to %s not delivered: %s", candidate.member_id, exc)
            except Exception:
                log.exception("review reminder to %s failed", candidate.member_id)
                continue

            await service.store.write(_mark(candidate.guild_id, candidate.member_id, now))
        return sent


def _mark(guild_id: str, member_id: str, at: datetime) -> Callable[[StoreTx], Awaitable[None]]:
    async def job(tx: StoreTx) -> None:
        await tx.mark_reminded(guild_id, member_id, at)

    return job


def _known(service: QuizService, question_id: str) -> bool:
    # Guild questions (approved suggestions) are reviewed like pack questions.
    try:
        service.question(question_id)
    except NotFound:
        return False  # its pack changed since the card was made
    return True
