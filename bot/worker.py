"""The delivery worker: drains the outbox in the background, a few deliveries at a time.

It wakes when the engine records deliveries and otherwise sleeps until the next one is
due (at most a minute), so retries happen on time and a restart resumes whatever was
pending. `deliver_due()` is the same work on demand; it also waits for deliveries already
in flight, so a caller knows everything due has been tried when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.core.delivering import Delivering
from bot.core.model import Delivery
from bot.core.ports import Clock, Store

log = logging.getLogger(__name__)

CONCURRENCY = 8
IDLE_WAIT = timedelta(minutes=1)


class DeliveryWorker:
    """Performs claimed deliveries concurrently (bounded); one per process and platform."""

    def __init__(self, deliveries: Delivering, store: Store, clock: Clock, platform: str) -> None:
        self._deliveries = deliveries
        self._store = store
        self._clock = clock
        self._platform = platform
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._claiming = asyncio.Lock()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """New deliveries are waiting: look now."""
        self._wake.set()

    def start(self) -> None:
        """Run in the background until `stop()`."""
        if self._loop is None:
            self._stopping = False
            self._loop = asyncio.create_task(self._run(), name="quizbot-deliveries")

    async def stop(self, grace: float = 10.0) -> None:
        """Claim nothing more, let deliveries in flight finish (up to `grace` seconds).

        One still running after that is cancelled; its claim lapses and the next start
        takes it up again, so nothing is lost.
        """
        self._stopping = True
        self._wake.set()
        loop, self._loop = self._loop, None
        pending = [t for t in (loop, *self._inflight.values()) if t is not None]
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def deliver_due(self) -> int:
        """Claim and perform everything due now; returns once all of it (and anything
        already in flight) has been tried."""
        started = 0
        while not self._stopping:
            # Claim and spawn together: a caller that finds nothing left to claim then sees,
            # in _inflight, whatever a concurrent pass (the background loop) claimed just
            # before it. With several connections (PostgreSQL) the two claims truly overlap.
            async with self._claiming:
                batch = await self._deliveries.claim_due()
                tasks = [self._spawn(delivery) for delivery in batch]
            if not batch:
                break
            await asyncio.gather(*tasks)
            started += len(batch)
        if self._inflight:
            await asyncio.gather(*list(self._inflight.values()), return_exceptions=True)
        return started

    def _spawn(self, delivery: Delivery) -> asyncio.Task[None]:
        task = asyncio.create_task(self._one(delivery), name=f"delivery-{delivery.delivery_id}")
        self._inflight[delivery.delivery_id] = task
        task.add_done_callback(lambda _: self._inflight.pop(delivery.delivery_id, None))
        return task

    async def _one(self, delivery: Delivery) -> None:
        async with self._slots:
            try:
                await self._deliveries.perform(delivery)
            except Exception:
                # perform() settles every failure itself; this is a store problem: the
                # claim lapses and the delivery is tried again.
                log.exception("delivery %s could not be settled", delivery.delivery_id)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.deliver_due()
                wait = await self._until_next()
            except Exception:
                log.exception("delivery worker: pass failed; trying again shortly")
                wait = 5.0
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _until_next(self) -> float:
        due = await self._store.next_delivery_at(self._platform)
        if due is None:
            return IDLE_WAIT.total_seconds()
        seconds = (due - self._clock.now()).total_seconds()
        return min(max(seconds, 0.05), IDLE_WAIT.total_seconds())
