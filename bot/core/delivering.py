"""Delivering: perform the outbox's platform effects until each is done or given up.

A delivery is claimed (a lease, so two workers never do it twice), performed through the
Publisher port, and settled in one transaction with what it changes (the message id,
the post's visibility). Transient failures are retried with exponential backoff, or
after the platform's own `retry_after`; a refused channel gives up and tells the admins
through the guild's last error; a daily that cannot be shown on its own local day is
given up and never counts.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core import scoring
from bot.core.engine import Engine
from bot.core.errors import ChannelUnavailable, NotFound, TryAgainLater
from bot.core.model import Delivery, DeliveryKind, Post, PostKind, PostView, RevealView, Tally
from bot.core.ports import Attempt, StoreTx
from bot.core.posting import Posting

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BACKOFF_FIRST_S = 5.0
BACKOFF_MAX_S = 15 * 60.0
# A daily shown more than this after it was posted gets its full answering window again.
LATE = timedelta(minutes=1)
CLAIM_BATCH = 100


class Result(StrEnum):
    """How one delivery attempt ended."""

    DELIVERED = "delivered"
    RETRYING = "retrying"
    GAVE_UP = "gave_up"


@dataclass(frozen=True)
class Outcome:
    """The end of one attempt: the post as now shown, or the problem and the next try."""

    result: Result
    post: Post | None = None
    problem: str | None = None
    retry_at: datetime | None = None


# How `status` words a delivery that was given up, after "Could not ".
_FAILED_EFFECT = {
    DeliveryKind.REVEAL: "show a reveal",
    DeliveryKind.DISCUSSION: "open the discussion",
    DeliveryKind.RECAP: "post the recap",
}


def _named(delivery: Delivery) -> str:
    """A delivery as log lines name it: "reveal of post 12", or "recap"."""
    if delivery.post_id is None:
        return delivery.kind.value
    return f"{delivery.kind.value} of post {delivery.post_id}"


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones: 5 s, 10 s, 20 s... 15 min."""
    return timedelta(seconds=min(BACKOFF_FIRST_S * 2 ** min(attempts, 20), BACKOFF_MAX_S))


class Delivering:
    """The delivery use case; a worker (or the console, or a test) decides when it runs."""

    def __init__(self, engine: Engine, posting: Posting) -> None:
        self._engine = engine
        self._posting = posting

    async def claim_due(self, limit: int = CLAIM_BATCH) -> list[Delivery]:
        """Claim deliveries that are due now (for this process, for one lease)."""
        engine = self._engine
        now = engine.clock.now()

        async def job(tx: StoreTx) -> list[Delivery]:
            return await tx.claim_deliveries(engine.platform, engine.owner, now, now + LEASE, limit)

        return await engine.store.write(job)

    async def release_claims(self) -> int:
        """Drop claims a previous run of this process died holding; returns how many."""
        engine = self._engine

        async def job(tx: StoreTx) -> int:
            return await tx.release_claims(engine.platform, engine.owner)

        return await engine.store.write(job)

    async def run_due(self) -> int:
        """Claim and perform everything due now, one after another; returns how many."""
        done = 0
        while batch := await self.claim_due():
            for delivery in batch:
                await self.perform(delivery)
            done += len(batch)
        return done

    async def perform(self, delivery: Delivery) -> Outcome:
        """One attempt at a claimed delivery, settled in the store whatever happens."""
        post = None
        if delivery.post_id is not None:
            post = await self._engine.store.post(delivery.post_id)
            if post is None:
                await self._finish(delivery)
                return Outcome(Result.DELIVERED)
        try:
            if post is None:
                return await self._perform_for_guild(delivery)
            if delivery.kind is DeliveryKind.POST:
                return await self._show_post(delivery, post)
            if delivery.kind is DeliveryKind.REVEAL:
                return await self._show_reveal(delivery, post)
            return await self._perform_effect(delivery, post)
        except ChannelUnavailable as exc:
            return await self._give_up(delivery, post, str(exc))
        except TryAgainLater as exc:
            return await self._retry(delivery, post, str(exc), exc.retry_after)
        except Exception as exc:
            # Unknown failures are retried too: a delivery must never be dropped silently.
            log.exception(
                "guild %s: %s failed",
                delivery.guild_id,
                _named(delivery),
                extra={"guild_id": delivery.guild_id},
            )
            return await self._retry(delivery, post, f"unexpected error ({type(exc).__name__})")

    # -- the two kinds ----------------------------------------------------------------

    async def _show_post(self, delivery: Delivery, post: Post) -> Outcome:
        engine = self._engine
        now = engine.clock.now()
        if post.is_delivered or not post.is_open:
            await self._finish(delivery)
            return Outcome(Result.DELIVERED, post)
        assert engine.publisher is not None
        if delivery.expires_at is not None and now >= delivery.expires_at:
            # An earlier try may have been shown after all (its answer lost): then it counts.
            found = await self._find_quietly(post) if delivery.attempts else None
            if found is not None:
                return await self._delivered(delivery, post, found, post.reveal_at, False)
            why = delivery.last_error or "the platform did not take it in time"
            return await self._give_up(delivery, post, f"its day ended first ({why})")
        if post.kind is PostKind.DRAW:
            # A draw is shown by the adapter answering /quiz; the worker only finds it.
            message_id = await engine.publisher.find(post)
            if message_id is None:
                return await self._give_up(delivery, post, "it never reached the channel")
            return await self._delivered(delivery, post, message_id, post.reveal_at, False)
        try:
            question = engine.question(post.question_id)
        except NotFound:
            return await self._give_up(delivery, post, "its question left the packs")
        reveal_at = post.reveal_at
        if delivery.attempts == 0 and now - post.posted_at > LATE:
            # Shown late (a restart, an outage): members still get the whole window.
            reveal_at = now + (post.reveal_at - post.posted_at)
            await engine.store.write(lambda tx: tx.set_reveal_at(post.post_id, reveal_at))
        config = await engine.config(post.guild_id)
        attempt = Attempt(delivery.attempts + 1, (now - delivery.created_at).total_seconds())
        view = PostView(dataclasses.replace(post, reveal_at=reveal_at), question)
        message_id = await engine.publisher.publish(view, config.ping_role, attempt)
        log.info(
            "guild %s: %s post %s (question %s) posted",
            post.guild_id,
            post.kind.value,
            post.post_id,
            post.question_id,
            extra={"guild_id": post.guild_id, "post_id": post.post_id},
        )
        # A daily that reached its channel clears the problem admins were shown.
        clear = config.last_error is not None
        return await self._delivered(delivery, post, message_id, reveal_at, clear)

    async def _find_quietly(self, post: Post) -> str | None:
        assert self._engine.publisher is not None
        try:
            return await self._engine.publisher.find(post)
        except Exception:
            log.info("post %s: could not look for an earlier copy", post.post_id, exc_info=True)
            return None

    async def _show_reveal(self, delivery: Delivery, post: Post) -> Outcome:
        engine = self._engine
        assert engine.publisher is not None
        try:
            # As it was posted: a question whose choices changed cannot show this tally.
            question = engine.question_of(post)
        except NotFound:
            await engine.publisher.show_withdrawn(post)
            log.info(
                "guild %s: post %s closed as withdrawn (question %s left the packs)",
                post.guild_id,
                post.post_id,
                post.question_id,
                extra={"guild_id": post.guild_id, "post_id": post.post_id},
            )
            await self._finish(delivery)
            return Outcome(Result.DELIVERED, post)
        answers = await engine.store.answers(post.post_id)
        per_choice, answered, correct = scoring.tally(question, answers)
        await engine.publisher.show_reveal(
            RevealView(post, question, Tally(per_choice, answered, correct))
        )
        log.info(
            "guild %s: %s post %s (question %s) revealed: %d answered, %d correct",
            post.guild_id,
            post.kind.value,
            post.post_id,
            post.question_id,
            answered,
            correct,
            extra={"guild_id": post.guild_id, "post_id": post.post_id},
        )
        await self._finish(delivery)
        return Outcome(Result.DELIVERED, post)

    async def _perform_effect(self, delivery: Delivery, post: Post) -> Outcome:
        """A kind a feature recorded with the reveal (a discussion thread), by its performer."""
        engine = self._engine
        perform = engine.performers.get(delivery.kind)
        if perform is None:
            # This process runs without the feature (it was just turned off in code, or an
            # older build claimed it): leave the delivery for one that has it.
            return await self._retry(delivery, post, f"nothing here performs {delivery.kind}")
        try:
            question = engine.question(post.question_id)
        except NotFound:
            await self._finish(delivery)
            return Outcome(Result.DELIVERED, post)
        answers = await engine.store.answers(post.post_id)
        per_choice, answered, correct = scoring.tally(question, answers)
        await perform(RevealView(post, question, Tally(per_choice, answered, correct)))
        log.info(
            "guild %s: %s of post %s done",
            post.guild_id,
            delivery.kind.value,
            post.post_id,
            extra={"guild_id": post.guild_id, "post_id": post.post_id},
        )
        await self._finish(delivery)
        return Outcome(Result.DELIVERED, post)

    async def _perform_for_guild(self, delivery: Delivery) -> Outcome:
        """A kind about the guild alone (a weekly recap), by the feature's performer."""
        perform = self._engine.guild_performers.get(delivery.kind)
        if perform is None:
            raise TryAgainLater(f"nothing here performs {delivery.kind}")
        await perform(delivery)
        log.info(
            "guild %s: %s done",
            delivery.guild_id,
            delivery.kind.value,
            extra={"guild_id": delivery.guild_id},
        )
        await self._finish(delivery)
        return Outcome(Result.DELIVERED)

    # -- settling ---------------------------------------------------------------------

    async def _finish(self, delivery: Delivery) -> None:
        now = self._engine.clock.now()
        await self._engine.store.write(lambda tx: tx.finish_delivery(delivery.delivery_id, now))

    async def _delivered(
        self,
        delivery: Delivery,
        post: Post,
        message_id: str,
        reveal_at: datetime,
        clear_error: bool,
    ) -> Outcome:
        engine = self._engine
        now = engine.clock.now()

        async def job(tx: StoreTx) -> None:
            await tx.mark_delivered(post.post_id, message_id, now, reveal_at)
            await tx.finish_delivery(delivery.delivery_id, now)
            config = await tx.guild(post.guild_id) if clear_error else None
            if config is not None and config.last_error:
                await tx.save_guild(
                    dataclasses.replace(config, last_error=None, last_error_at=None)
                )

        await engine.store.write(job)
        shown = dataclasses.replace(
            post, message_id=message_id, delivered_at=now, reveal_at=reveal_at
        )
        engine.delivered(shown)
        return Outcome(Result.DELIVERED, shown)

    async def _retry(
        self,
        delivery: Delivery,
        post: Post | None,
        problem: str,
        retry_after: float | None = None,
    ) -> Outcome:
        engine = self._engine
        now = engine.clock.now()
        wait = (
            timedelta(seconds=max(1.0, retry_after))
            if retry_after is not None
            else backoff(delivery.attempts)
        )
        log.warning(
            "guild %s: %s failed (%s); retrying in %ds",
            delivery.guild_id,
            _named(delivery),
            problem,
            wait.total_seconds(),
            extra={"guild_id": delivery.guild_id},
        )
        await engine.store.write(
            lambda tx: tx.retry_delivery(delivery.delivery_id, now + wait, problem)
        )
        engine.outbox_changed()
        return Outcome(Result.RETRYING, post, problem, now + wait)

    async def _give_up(self, delivery: Delivery, post: Post | None, reason: str) -> Outcome:
        engine = self._engine
        now = engine.clock.now()
        shown = post if delivery.kind is DeliveryKind.POST else None  # a post never shown
        if shown is not None:
            what = "post the daily question" if shown.kind is PostKind.DAILY else "show a post"
        else:
            what = _FAILED_EFFECT.get(delivery.kind, f"deliver a {delivery.kind.value}")
        problem = f"Could not {what}: {reason}"
        tell_admins = shown is None or shown.kind is not PostKind.DRAW

        async def job(tx: StoreTx) -> None:
            await tx.fail_delivery(delivery.delivery_id, now, reason)
            if shown is not None:
                await self._posting.void_in_tx(tx, shown, now, reason)
            if tell_admins:
                config = await tx.guild(delivery.guild_id)
                if config is not None:
                    await tx.save_guild(
                        dataclasses.replace(config, last_error=problem, last_error_at=now)
                    )

        log.warning(
            "guild %s: %s given up: %s",
            delivery.guild_id,
            _named(delivery),
            reason,
            extra={"guild_id": delivery.guild_id},
        )
        await engine.store.write(job)
        if post is not None:
            engine.posts.forget(post.post_id)
        return Outcome(Result.GAVE_UP, post, problem)
