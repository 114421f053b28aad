"""APScheduler wiring: daily posts per guild and one job per pending reveal, rebuilt from the store.

The database is the source of truth; the scheduler holds only what can be derived
from it, so a restart (or a crash) loses nothing: `start()` recreates every job,
reveals what became overdue meanwhile and posts a missed daily if it is still the
same local day.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.core.errors import QuizError
from bot.core.model import GuildConfig, Post, PostKind
from bot.core.reviewing import Reviews
from bot.core.service import QuizService

log = logging.getLogger(__name__)

_CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The default grace of one second drops runs whenever many jobs fall due together;
# a daily post stays welcome all day (the service refuses it once the local day is
# over), and a reveal must happen however late it is.
DAILY_GRACE_S = 24 * 3600
REVEAL_GRACE_S: int | None = None


REMINDERS_GRACE_S = 3600


def reminders_job_id(platform: str) -> str:
    """The fixed id of a platform's hourly review-reminder job."""
    return f"reminders:{platform}"


def daily_job_id(guild_id: str) -> str:
    """The fixed id of a guild's daily job."""
    return f"daily:{guild_id}"


def reveal_job_id(post_id: int) -> str:
    """The fixed id of a post's reveal job."""
    return f"reveal:{post_id}"


def daily_trigger(config: GuildConfig) -> CronTrigger:
    """A cron trigger at the guild's post time on its weekdays, in its own time zone."""
    days = ",".join(_CRON_DAYS[d] for d in sorted(config.days))
    return CronTrigger(
        day_of_week=days,
        hour=config.post_time.hour,
        minute=config.post_time.minute,
        timezone=config.timezone,
    )


class QuizScheduler:
    """Keeps APScheduler's jobs in line with the store for one platform."""

    def __init__(
        self,
        service: QuizService,
        scheduler: AsyncIOScheduler,
        *,
        owns_guild: Callable[[str], bool] = lambda guild_id: True,
    ) -> None:
        self.service = service
        self.scheduler = scheduler
        # With sharding, each process schedules only its own shards' guilds.
        self._owns_guild = owns_guild
        self._running: set[asyncio.Task[object]] = set()

    async def start(self) -> None:
        """Rebuild every job from the database and catch up on what was missed."""
        if not self.scheduler.running:
            self.scheduler.start()
        await self.service.republish_unsent()
        for post in await self.service.due_reveals():
            if self._owns_guild(post.guild_id):
                self.schedule_reveal(post)
        for config in await self.service.store.guilds(self.service.platform):
            if self._owns_guild(config.guild_id):
                self.schedule_daily(config)
                await self.run_daily(config.guild_id)

    async def shutdown(self) -> None:
        """Start no more jobs and let running ones finish; pending ones are rebuilt next start."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # AsyncIOScheduler does not wait for its coroutine jobs; the store must outlive them.
        await asyncio.gather(*self._running, return_exceptions=True)

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

    def schedule_daily(self, config: GuildConfig) -> None:
        """Create, move or remove a guild's daily job after its settings changed."""
        job_id = daily_job_id(config.guild_id)
        if not config.is_scheduled:
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            return
        self.scheduler.add_job(
            self.run_daily,
            trigger=daily_trigger(config),
            args=[config.guild_id],
            id=job_id,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=DAILY_GRACE_S,
        )

    def schedule_reveal(self, post: Post) -> None:
        """Reveal a post at its time (at once when that has passed)."""
        if post.kind is PostKind.PRIVATE or not post.is_open:
            return
        self.scheduler.add_job(
            self.run_reveal,
            trigger=DateTrigger(run_date=max(post.reveal_at, self.service.clock.now())),
            args=[post.post_id],
            id=reveal_job_id(post.post_id),
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=REVEAL_GRACE_S,
        )

    async def run_daily(self, guild_id: str) -> None:
        """Post the guild's daily question if it is due and not out yet."""
        with self._tracked():
            try:
                view = await self.service.post_daily(guild_id)
            except QuizError as exc:
                log.warning("guild %s: daily post skipped: %s", guild_id, exc)
                return
            except Exception:
                log.exception("guild %s: daily post failed", guild_id)
                return
            if view is not None:
                self.schedule_reveal(view.post)

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
                sent = await reviews.send_reminders()
            except Exception:
                log.exception("review reminders failed")
                return
            if sent:
                log.info("sent %d review reminder(s)", sent)
