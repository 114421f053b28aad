"""One APScheduler job drives the community features: a tick every minute.

Recaps, month ends and role-change retries are all "is anything due now?" questions
answered from the store, so one periodic job serves every guild, and a restart loses
nothing: the first tick after start catches up.
"""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.community import Community

log = logging.getLogger(__name__)

TICK_JOB_ID = "community:tick"
TICK_S = 60


class CommunityTicker:
    """Starts the community features and runs their tick on the shared scheduler."""

    def __init__(self, community: Community, scheduler: AsyncIOScheduler) -> None:
        self.community = community
        self.scheduler = scheduler
        self._running: set[asyncio.Task[object]] = set()

    async def start(self) -> None:
        """Load approved suggestions, then tick every minute (the first tick catches up)."""
        await self.community.start()
        self.scheduler.add_job(
            self.run,
            trigger=IntervalTrigger(seconds=TICK_S),
            id=TICK_JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=TICK_S,
        )

    async def run(self) -> None:
        """One tick; a failure is logged and the next tick tries again."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self.community.tick()
        except Exception:
            log.exception("community tick failed")
        finally:
            if task is not None:
                self._running.discard(task)

    async def shutdown(self) -> None:
        """Let a running tick and queued role changes finish (the store must outlive them)."""
        if self.scheduler.running and self.scheduler.get_job(TICK_JOB_ID) is not None:
            self.scheduler.remove_job(TICK_JOB_ID)
        await asyncio.gather(*self._running, return_exceptions=True)
        await self.community.rewards.idle()
