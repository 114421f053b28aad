"""Starting with 10,000 guilds: time to "ready to connect", the catch-up after it, and memory.

The database is built through the real service: 10,000 configured guilds in a spread of
time zones, 6,420 of which have today's daily overdue when the bot starts. Each start is
measured in a fresh interpreter (so that peak memory is its own) against the same start
on an empty database. Platform calls go to an in-memory publisher: the figures are the
engine's, not the network's (Discord itself accepts about 50 requests a second).
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from benchmarks.common import PLATFORM, ROOT, SEED, FixedClock, bank
from bot.core import calendar
from bot.core.model import GuildConfig, Post, PostView, RevealView
from bot.core.ports import Attempt
from bot.core.service import QuizService
from bot.scheduling import QuizScheduler
from bot.storage.sqlite import SqliteStore

GUILDS = 10_000
DUE = 6_420
# The bot starts at 14:05 UTC; the guilds were set up three hours earlier.
START = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)
SETUP = START - timedelta(hours=3)
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
)
BUILD_BATCH = 500


class InstantPublisher:
    """A platform that takes every post at once."""

    def __init__(self) -> None:
        self.published = 0

    async def publish(self, view: PostView, ping_role: str | None, attempt: Attempt) -> str:
        """Accept the post."""
        self.published += 1
        return f"m{view.post.post_id}"

    async def find(self, post: Post) -> str | None:
        """Nothing was lost."""
        return None

    async def show_reveal(self, view: RevealView) -> None:
        """Accept the edit."""

    async def show_withdrawn(self, post: Post) -> None:
        """Accept the edit."""


def _settings(index: int, rng: random.Random) -> dict[str, object]:
    """Where and when guild `index` posts: due at START for the first DUE guilds."""
    due = index < DUE
    for _ in range(100):
        zone = rng.choice(ZONES)
        local_start = START.astimezone(ZoneInfo(zone))
        offset = (
            timedelta(minutes=rng.randint(5, 170))
            if due
            else -timedelta(minutes=rng.randint(5, 600))
        )
        wall = (local_start - offset).time().replace(second=0, microsecond=0)
        config = GuildConfig(f"g{index}", PLATFORM, "c", post_time=wall, timezone=zone)
        slot = calendar.next_slot(config, SETUP)
        # Due means overdue and still on its own local day (else the bot rightly skips it).
        overdue = slot is not None and slot <= START and calendar.due_today(config, START)
        if slot is not None and bool(overdue) == due:
            return {"channel_id": f"c{index}", "post_time": wall, "timezone": zone}
    raise RuntimeError(f"no setting found for guild {index}")


async def build(path: Path) -> None:
    """Configure the guilds through the service, as admins would have."""
    rng = random.Random(SEED)
    store = await SqliteStore.open(path)
    try:
        service = QuizService(
            bank=bank(), store=store, clock=FixedClock(SETUP), rng=rng, platform=PLATFORM
        )
        for start in range(0, GUILDS, BUILD_BATCH):
            await asyncio.gather(
                *(
                    service.update_config(f"g{i}", **_settings(i, rng))
                    for i in range(start, min(start + BUILD_BATCH, GUILDS))
                )
            )
    finally:
        await store.close()


def _rss_peak_mb() -> float:
    """This process's peak resident memory in MB."""
    # ru_maxrss survives exec on Linux (a child would report its parent's peak);
    # VmHWM belongs to this address space alone.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(path: Path) -> dict[str, float]:
    """One start as the bot does it: open, wire up (ready to connect), then catch up."""
    questions = bank()  # loaded before the clock starts: the same for any number of guilds
    publisher = InstantPublisher()
    began = perf_counter()
    store = await SqliteStore.open(path)
    service = QuizService(
        bank=questions,
        store=store,
        clock=FixedClock(START),
        rng=random.Random(SEED),
        platform=PLATFORM,
        publisher=publisher,
    )
    scheduler = QuizScheduler(service, AsyncIOScheduler(timezone=UTC))
    try:
        await scheduler.start()
        started = perf_counter()
        await scheduler.catch_up()
        await scheduler.deliver_due()
        caught_up = perf_counter()
    finally:
        await scheduler.shutdown()
        await store.close()
    return {
        "start_s": started - began,
        "catchup_s": caught_up - started,
        "posted": float(publisher.published),
        "rss_peak_mb": _rss_peak_mb(),
    }


@dataclass(frozen=True)
class StartupResult:
    """A start with 10,000 guilds beside a start with none."""

    start_s: float
    empty_start_s: float
    catchup_s: float
    posted: int
    rss_above_empty_mb: float
    rss_peak_mb: float


def _measure_in_child(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def run(folder: Path) -> StartupResult:
    """Build both databases, then measure each start in a fresh interpreter."""
    full, empty = folder / "start-10k.db", folder / "start-empty.db"
    asyncio.run(build(full))
    asyncio.run(_create_empty(empty))
    baseline = _measure_in_child(empty)
    loaded = _measure_in_child(full)
    if int(loaded["posted"]) != DUE:
        raise RuntimeError(f"expected {DUE} dailies to be caught up, got {loaded['posted']:.0f}")
    return StartupResult(
        start_s=loaded["start_s"],
        empty_start_s=baseline["start_s"],
        catchup_s=loaded["catchup_s"],
        posted=int(loaded["posted"]),
        rss_above_empty_mb=loaded["rss_peak_mb"] - baseline["rss_peak_mb"],
        rss_peak_mb=loaded["rss_peak_mb"],
    )


async def _create_empty(path: Path) -> None:
    store = await SqliteStore.open(path)
    await store.close()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(Path(sys.argv[1])))))
