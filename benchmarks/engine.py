"""The answer path through QuizService on a real SqliteStore: bursts and open loops."""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from benchmarks.common import PLATFORM, SEED, FixedClock, Latency, bank
from bot.core.model import Member, Post
from bot.core.service import QuizService
from bot.storage.sqlite import SqliteStore

BURST_SIZE = 1000
BURSTS = 5  # per variant, after one discarded warm-up burst
OPEN_LOOP_RATES = (1000, 5000)  # answers per second
OPEN_LOOP_SECONDS = 4.0
OPEN_LOOP_GUILDS = 20
OPEN_LOOP_CHANNELS = 5  # per guild: one open draw each, so 100 posts
OPEN_LOOP_MEMBERS = 20_000


@dataclass(frozen=True)
class BurstResult:
    """Bursts of concurrent answers, each on its own fresh post."""

    answers_per_s: float  # median over the bursts
    per_call: Latency  # from each answer() call's start to its return (after commit)
    from_arrival: Latency  # from the instant the whole burst arrived


@dataclass(frozen=True)
class OpenLoopResult:
    """Answers submitted on a fixed schedule, whether or not earlier ones completed."""

    target_per_s: int
    achieved_per_s: float
    latency: Latency  # from the scheduled submit time, so lag behind schedule counts


@dataclass(frozen=True)
class EngineResult:
    """Everything measured on the answer path, and which posts the bursts used."""

    cold: BurstResult
    warm: BurstResult
    open_loops: list[OpenLoopResult]
    burst_post_ids: list[int]


def _members(prefix: str, count: int) -> list[Member]:
    return [Member(f"{prefix}{i:06d}", f"Member {prefix}{i}") for i in range(count)]


async def _burst(
    service: QuizService, post: Post, members: list[Member], rng: random.Random
) -> tuple[float, list[float], list[float]]:
    post_id = post.post_id
    choices = [rng.choice(post.choice_order) for _ in members]
    per_call = [0.0] * len(members)
    done = [0.0] * len(members)

    async def one(index: int) -> None:
        start = perf_counter()
        await service.answer(post_id, members[index], choice=choices[index])
        done[index] = perf_counter()
        per_call[index] = done[index] - start

    arrival = perf_counter()
    await asyncio.gather(*(one(i) for i in range(len(members))))
    elapsed = perf_counter() - arrival
    return len(members) / elapsed, per_call, [t - arrival for t in done]


async def bursts(
    service: QuizService, rng: random.Random, *, warm: bool, post_ids: list[int]
) -> BurstResult:
    """BURSTS bursts of BURST_SIZE concurrent answers, each on a freshly drawn post."""
    members = _members("b", BURST_SIZE)
    rates: list[float] = []
    per_call: list[float] = []
    from_arrival: list[float] = []
    label = "warm" if warm else "cold"
    for index in range(BURSTS + 1):
        gc.collect()  # garbage from setup or the previous burst is not this burst's cost
        # A fresh draw is not in the service's post cache: every answer of a "cold" burst
        # misses it at once. A "warm" burst reads the post once first.
        post = (await service.draw("burst-guild", f"{label}-{index}", members[0])).post
        if warm:
            await service.post(post.post_id)
        rate, calls, arrivals = await _burst(service, post, members, rng)
        if index == 0:
            continue  # warm-up: first use of this code path and of fresh pages
        post_ids.append(post.post_id)
        rates.append(rate)
        per_call.extend(calls)
        from_arrival.extend(arrivals)
    return BurstResult(statistics.median(rates), Latency.of(per_call), Latency.of(from_arrival))


async def open_loop(
    service: QuizService, rng: random.Random, posts: list[tuple[int, tuple[int, ...]]], rate: int
) -> OpenLoopResult:
    """Answers at `rate` per second for OPEN_LOOP_SECONDS, on schedule whatever the backlog."""
    total = int(rate * OPEN_LOOP_SECONDS)
    gc.collect()
    members = _members("o", OPEN_LOOP_MEMBERS)
    plan = []
    for _ in range(total):
        post_id, order = rng.choice(posts)
        plan.append((post_id, rng.choice(members), rng.choice(order)))
    latencies = [0.0] * total
    finished = [0.0] * total
    all_done = asyncio.Event()
    remaining = total

    async def one(index: int, due: float) -> None:
        nonlocal remaining
        post_id, member, choice = plan[index]
        try:
            await service.answer(post_id, member, choice=choice)
            finished[index] = perf_counter()
            latencies[index] = finished[index] - due
        finally:
            remaining -= 1
            if not remaining:
                all_done.set()

    # The list only keeps the tasks alive; gathering thousands of them at the end would
    # stall the loop while the last answers are in flight and inflate their latency.
    tasks: list[asyncio.Task[None]] = []
    start = perf_counter()
    sent = 0
    while sent < total:
        now = perf_counter()
        while sent < total and start + sent / rate <= now:
            tasks.append(asyncio.create_task(one(sent, start + sent / rate)))
            sent += 1
        if sent < total:
            await asyncio.sleep(max(0.0, start + sent / rate - perf_counter()))
    await all_done.wait()
    for task in tasks:
        task.result()  # re-raise the first failure, if any
    achieved = total / (max(finished) - start)
    return OpenLoopResult(rate, achieved, Latency.of(latencies))


async def run(path: Path) -> EngineResult:
    """Measure the answer path on a fresh database at `path`."""
    rng = random.Random(SEED)
    store = await SqliteStore.open(path)
    try:
        service = QuizService(
            bank=bank(), store=store, clock=FixedClock(), rng=rng, platform=PLATFORM
        )
        burst_posts: list[int] = []
        cold = await bursts(service, rng, warm=False, post_ids=burst_posts)
        warm = await bursts(service, rng, warm=True, post_ids=burst_posts)

        owner = Member("owner", "Owner")
        posts: list[tuple[int, tuple[int, ...]]] = []
        for g in range(OPEN_LOOP_GUILDS):
            for c in range(OPEN_LOOP_CHANNELS):
                view = await service.draw(f"loop-guild-{g}", f"loop-{g}-{c}", owner)
                posts.append((view.post.post_id, view.post.choice_order))
        loops = [await open_loop(service, rng, posts, rate) for rate in OPEN_LOOP_RATES]
    finally:
        await store.close()
    return EngineResult(cold, warm, loops, burst_posts)
