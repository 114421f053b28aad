"""Four processes answering into one PostgreSQL: the highest total rate held with p99 <= 50 ms.

Each worker process (`python -m benchmarks.pg_load URL INDEX`) has its own store and
service, draws posts in guilds of its own, and runs an open loop at the rate it is sent on
stdin, replying with one JSON line. The driver raises the total rate step by step until the
slowest worker's p99 passes the bound or the workers fall behind the schedule.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from dataclasses import dataclass

from benchmarks.common import PLATFORM, SEED, FixedClock, bank
from benchmarks.engine import open_loop
from bot.core.model import Member
from bot.core.service import QuizService
from bot.storage.postgres import PostgresStore

PROCESSES = 4
RATES = (250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 12000)  # answers per second, in total
P99_BOUND_MS = 50.0
KEEP_UP = 0.95  # achieved / scheduled below this means the workers fell behind
GUILDS, CHANNELS = 5, 5


@dataclass(frozen=True)
class Step:
    """One total rate tried: what was achieved and the slowest worker's p99."""

    rate: int
    achieved_per_s: float
    p99_ms: float

    @property
    def held(self) -> bool:
        """Within the latency bound and on schedule."""
        return self.p99_ms <= P99_BOUND_MS and self.achieved_per_s >= KEEP_UP * self.rate


@dataclass(frozen=True)
class SustainedResult:
    """Every step tried and the best one held."""

    steps: list[Step]

    @property
    def best_per_s(self) -> float:
        """Achieved answers per second at the highest rate held (0 if none was)."""
        held = [step.achieved_per_s for step in self.steps if step.held]
        return max(held, default=0.0)


async def worker(url: str, index: int) -> None:
    """Serve rate requests from stdin until it closes."""
    rng = random.Random(SEED + index)
    store = await PostgresStore.open(url)
    try:
        service = QuizService(
            bank=bank(), store=store, clock=FixedClock(), rng=rng, platform=PLATFORM
        )
        owner = Member(f"owner-{index}", "Owner")
        posts = []
        for g in range(GUILDS):
            for c in range(CHANNELS):
                view = await service.draw(f"load-{index}-{g}", f"load-{index}-{g}-{c}", owner)
                posts.append((view.post.post_id, view.post.choice_order))
        print("ready", flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            result = await open_loop(service, rng, posts, int(line))
            print(
                json.dumps({"achieved": result.achieved_per_s, "p99": result.latency.p99_ms}),
                flush=True,
            )
    finally:
        await store.close()


async def run(url: str) -> SustainedResult:
    """Start the workers, raise the rate until it is no longer held, stop them."""
    procs = []
    for index in range(PROCESSES):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.pg_load",
            url,
            str(index),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        procs.append(proc)
    steps: list[Step] = []
    try:
        for proc in procs:
            assert proc.stdout is not None
            if (await proc.stdout.readline()).strip() != b"ready":
                raise RuntimeError("a load worker failed to start")
        for rate in RATES:
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write(f"{rate // PROCESSES}\n".encode())
            replies = []
            for proc in procs:
                assert proc.stdout is not None
                replies.append(json.loads(await proc.stdout.readline()))
            step = Step(
                rate,
                sum(r["achieved"] for r in replies),
                max(r["p99"] for r in replies),
            )
            steps.append(step)
            if not step.held:
                break
    finally:
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()
        await asyncio.gather(*(proc.wait() for proc in procs))
    return SustainedResult(steps)


if __name__ == "__main__":
    asyncio.run(worker(sys.argv[1], int(sys.argv[2])))
