"""APScheduler wiring: one ticker for every guild, exact jobs for reveals about to fall due,
and the delivery worker.

The database is the source of truth. Each guild's next daily slot is stored (in UTC);
every minute the ticker asks the store which guilds are due and posts their dailies, and
reveals every delivered post whose time has come. Reveals due before the next tick get
a job of their own so they happen on the second. Starting is cheap whatever the number
of guilds: `start()` only wires things up, and `catch_up()` (run once connected) does the
first tick, which finds whatever became due while the bot was down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.core.model import Post, PostKind
from bot.core.reviewing import Reviews
from bot.core.service import QuizService
from bot.worker import DeliveryWorker

log = logging.getLogger(__name__)

TICK_JOB = "tick"
# The ticker may run late when the loop is busy; a missed minute is covered by the next one.
TICK_GRACE_S = 50
# A reveal must happen however late it is.
REVEAL_GRACE_S: int | None = None
# With several processes, a reveal its owner has not done a minute after its time is taken
# over by whichever process ticks first; the lease keeps the others off it meanwhile.
OVERDUE_GRACE = timedelta(seconds=60)
LEASE = timedelta(seconds=120)
# Reveals due within this window get an exact job; later ones wait for a later tick.
EXACT_WINDOW = timedelta(seconds=90)
BATCH = 200
REMINDERS_GRACE_S = 3600


def reminders_job_id(platform: str) -> str:
    """The fixed id of a platform's hourly review-reminder job."""
    return f"reminders:{platform}"


def reveal_job_id(post_id: int) -> str:
    """The fixed id of a post's reveal job."""
    return f"reveal:{post_id}"


class QuizScheduler:
    """Keeps one platform's schedule and deliveries going from the store."""

    def __init__(
        self,
        service: QuizService,
        scheduler: AsyncIOScheduler,
        *,
        owns_guild: Callable[[str], bool] = lambda guild_id: True,
        sweep_as: str | None = None,
    ) -> None:
        self.service = service
        self.scheduler = scheduler
        # With sharding, each process schedules only its own shards' guilds, and (named by
        # `sweep_as`) takes over overdue reveals of any guild whose owner went away.
        self._owns_guild = owns_guild
        self._sweep_as = sweep_as
        self.worker = DeliveryWorker(
            service.deliveries, service.store, service.clock, service.platform
        )
        self._running: set[asyncio.Task[object]] = set()
        self._started = False
        # Set once the first tick after connecting is done (tests and health wait on it).
        self.caught_up = asyncio.Event()
        engine = service.engine
        engine.outbox_listeners.append(self.worker.wake)
        engine.delivered_listeners.append(self.schedule_reveal)

    async def start(self) -> None:
        """Wire up the ticker and the worker; no per-guild work happens here."""
        if self._started:
            return
        self._started = True
        if not self.scheduler.running:
            self.scheduler.start()
        self.scheduler.add_job(
            self.tick,
            trigger=CronTrigger(second=0, timezone="UTC"),
            id=TICK_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=TICK_GRACE_S,
        )
        # Claims this process held when it last stopped (or died) are its own to redo.
        released = await self.service.deliveries.release_claims()
        if released:
            log.info("resuming %d deliveries left pending by the last run", released)
        self.worker.start()

    async def catch_up(self) -> None:
        """The first tick, once connected: whatever fell due while the bot was down."""
        await self.tick()
        self.caught_up.set()

    async def shutdown(self) -> None:
        """Start no more jobs, finish the running ones and the deliveries in flight."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # AsyncIOScheduler does not wait for its coroutine jobs; the store must outlive them.
        await asyncio.gather(*self._running, return_exceptions=True)
        await self.worker.stop()

    async def deliver_due(self) -> int:
        """Perform every delivery due now (and wait for those in flight)."""
        return await self.worker.deliver_due()

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._running.discard(task)

    # -- the ticker -------------------------------------------------------------------

    async def tick(self) -> None:
        """Reveal what is due, line up exact reveal jobs, post the dailies that are due."""
        with self._tracked():
            try:
                await self._reveal_due()
                await self._sweep_overdue()
                await self._line_up_reveals()
                await self._post_due()
                await self.service.expire_practice()
            except Exception:
                log.exception("tick failed; the next one tries again")
            self.worker.wake()

    async def _reveal_due(self) -> None:
        service = self.service
        seen: set[int] = set()
        while True:
            now = service.clock.now()
            batch = [
                p
                for p in await service.store.due_reveals(service.platform, now, BATCH)
                if p.post_id not in seen and self._owns_guild(p.guild_id)
            ]
            if not batch:
                return
            seen.update(p.post_id for p in batch)
            await asyncio.gather(*(self.run_reveal(p.post_id) for p in batch))

    async def _sweep_overdue(self) -> None:
        """Reveal posts of any guild overdue past the grace: their owner process is gone."""
        if self._sweep_as is None:
            return
        posts = await self.service.claim_overdue(self._sweep_as, grace=OVERDUE_GRACE, lease=LEASE)
        for post in posts:
            log.info("post %s in guild %s: overdue, revealing it", post.post_id, post.guild_id)
        await asyncio.gather(*(self.run_reveal(p.post_id) for p in posts))

    async def _line_up_reveals(self) -> None:
        service = self.service
        soon = service.clock.now() + EXACT_WINDOW
        for post in await service.store.due_reveals(service.platform, soon, BATCH * 5):
            if self._owns_guild(post.guild_id):
                self.schedule_reveal(post)

    async def _post_due(self) -> None:
        service = self.service
        due = [
            g
            for g in await service.store.guilds_due(service.platform, service.clock.now())
            if self._owns_guild(g)
        ]
        for start in range(0, len(due), BATCH):
            # Concurrent jobs share the writer's transactions: one commit per batch.
            chunk = due[start : start + BATCH]
            results = await asyncio.gather(
                *(service.post_scheduled(g) for g in chunk), return_exceptions=True
            )
            for guild_id, result in zip(chunk, results, strict=True):
                if isinstance(result, BaseException):
                    log.error(
                        "guild %s: daily post failed",
                        guild_id,
                        exc_info=result,
                        extra={"guild_id": guild_id},
                    )
            self.worker.wake()

    # -- reveals ----------------------------------------------------------------------

    def schedule_reveal(self, post: Post) -> None:
        """Give a visible post an exact reveal job when its time is near (else the ticker will)."""
        if post.kind is PostKind.PRIVATE or not post.is_open or not post.is_delivered:
            return
        if not self._owns_guild(post.guild_id):
            return
        now = self.service.clock.now()
        if post.reveal_at > now + EXACT_WINDOW:
            return
        self.scheduler.add_job(
            self.run_reveal,
            trigger=DateTrigger(run_date=max(post.reveal_at, now)),
            args=[post.post_id],
            id=reveal_job_id(post.post_id),
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=REVEAL_GRACE_S,
        )

    async def run_reveal(self, post_id: int) -> None:
        """Reveal a post; a failure is logged and never stops other jobs."""
        with self._tracked():
            try:
                await self.service.reveal(post_id)
            except Exception:
                log.exception("reveal of post %s failed", post_id)

    # -- review reminders (the learning loop) ------------------------------------

    def schedule_reminders(self, reviews: Reviews) -> None:
        """Check every hour, on the hour, who should be reminded of due reviews."""
        self.scheduler.add_job(
            self.run_reminders,
            trigger=CronTrigger(minute=0, timezone="UTC"),
            args=[reviews],
            id=reminders_job_id(self.service.platform),
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=REMINDERS_GRACE_S,
        )

    async def run_reminders(self, reviews: Reviews) -> None:
        """Send the reminders that are due; a failure is logged and retried next hour."""
        with self._tracked():
            try:
                sent = await reviews.send_reminders(self._owns_guild)
            except Exception:
                log.exception("review reminders failed")
                return
            if sent:
                log.info("sent %d review reminder(s)", sent)
