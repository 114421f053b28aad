"""Read paths on the large database, through SqliteStore and QuizService."""

from __future__ import annotations

import asyncio
import gc
import itertools
import random
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from time import perf_counter

import aiosqlite

from benchmarks.common import NOW, PLATFORM, SEED, FixedClock, Latency, bank
from benchmarks.dataset import Dataset
from bot.core import calendar
from bot.core.model import Member, Period, Post, RankBy
from bot.core.service import QuizService
from bot.storage.sqlite import SqliteStore

CALLS = 3000
WARMUP = 300
LOAD_RATES = (1000, 5000)  # answers per second written while the board is read
LOAD_CALLS = 1500
LOAD_POSTS = 20


@dataclass(frozen=True)
class ReadResult:
    """Latency of each read path, and the query plans of the board and rank queries."""

    board: Latency  # all-time points board: top 10 + the caller's rank
    rank: Latency  # store.points_rank alone, all time
    stats: Latency  # service.stats
    board_week: Latency  # the week board: top 10 + the caller's rank
    rank_week: Latency  # store.points_rank alone, this week
    rank_tail: Latency  # all-time rank of the lowest-ranked members of the biggest guild
    # (answers/s scheduled, answers/s actually committed meanwhile, board latency)
    board_under_load: list[tuple[int, float, Latency]]
    plans: list[tuple[str, str, list[str]]]  # (what, SQL as run, plan lines)


Call = Callable[[str, str], Awaitable[object]]


async def time_calls(calls: list[tuple[str, str]], call: Call) -> Latency:
    """Latency of `call` over the sample, after a warm-up on its first WARMUP entries."""
    gc.collect()
    for guild, member in calls[:WARMUP]:
        await call(guild, member)
    seconds = []
    for guild, member in calls[WARMUP:]:
        start = perf_counter()
        await call(guild, member)
        seconds.append(perf_counter() - start)
    return Latency.of(seconds)


async def _under_load(
    service: QuizService, calls: list[tuple[str, str]], rate: int, posts: list[Post]
) -> tuple[float, Latency]:
    """The all-time board while answers arrive at `rate`/s on the same store (open loop)."""
    stop = asyncio.Event()
    start = perf_counter()

    async def load() -> int:
        pending: set[asyncio.Task[object]] = set()
        sent = 0
        for sent in itertools.count():
            due = start + sent / rate
            await asyncio.sleep(max(0.0, due - perf_counter()))
            if stop.is_set():
                break
            post = posts[sent % len(posts)]
            member = Member(f"load-{sent % 50_000}", "Load")
            task = asyncio.create_task(
                service.answer(post.post_id, member, choice=post.choice_order[0])
            )
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        return sent

    loader = asyncio.create_task(load())
    try:
        latency = await time_calls(calls[: WARMUP + LOAD_CALLS], board_call(service, Period.ALL))
    finally:
        stop.set()
        answered = await loader
    return answered / (perf_counter() - start), latency


def board_call(service: QuizService, period: Period) -> Call:
    """The points board as a member asks for it: top 10 plus the caller's rank."""

    async def call(guild: str, member: str) -> object:
        return await service.leaderboard(guild, member, period=period, by=RankBy.POINTS)

    return call


def sample_calls(data: Dataset, rng: random.Random) -> list[tuple[str, str]]:
    """Guilds drawn with the same skew as their sizes; callers uniform within the guild."""
    weights = list(itertools.accumulate(data.sizes))
    picked = rng.choices(range(len(data.sizes)), cum_weights=weights, k=WARMUP + CALLS)
    return [
        (data.guild_ids[g], data.member_id(data.first_member[g] + rng.randrange(data.sizes[g])))
        for g in picked
    ]


def _tail(data: Dataset, rng: random.Random) -> list[tuple[str, str]]:
    """Callers among the 1,000 lowest scorers of the biggest guild: the longest rank count."""
    guild = data.guild_ids[0]
    with closing(sqlite3.connect(str(data.path))) as conn:
        rows = conn.execute(
            "SELECT member_id FROM member_stats WHERE guild_id = ? AND points > 0 "
            "ORDER BY points, member_id LIMIT 1000",
            (guild,),
        ).fetchall()
    return [(guild, rng.choice(rows)[0]) for _ in range(WARMUP + CALLS)]


async def _plans(
    store: SqliteStore, data: Dataset, week: str, sample: tuple[str, str]
) -> list[tuple[str, str, list[str]]]:
    """The SQL each board/rank call runs (captured from the store) and its query plan."""
    conn = getattr(store, "_conn", None)
    if not isinstance(conn, aiosqlite.Connection):
        return [("(plans)", "SqliteStore no longer exposes its connection", [])]
    guild, member = sample
    calls: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("week board top", lambda: store.top_points(guild, week, 10)),
        ("week rank", lambda: store.points_rank(guild, week, member)),
        ("all-time board top", lambda: store.top_points(guild, None, 10)),
        ("all-time rank", lambda: store.points_rank(guild, None, member)),
    ]
    plans = []
    with closing(sqlite3.connect(str(data.path))) as raw:
        for what, call in calls:
            seen: list[str] = []
            await conn.set_trace_callback(seen.append)
            try:
                await call()
            finally:
                # sqlite3 takes None to remove the callback; aiosqlite's annotation omits it.
                await conn.set_trace_callback(None)  # type: ignore[arg-type]
            for sql in seen:
                rows = raw.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
                plans.append((what, " ".join(sql.split()), _plan_lines(rows)))
    return plans


def _plan_lines(rows: list[tuple[int, int, int, str]]) -> list[str]:
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


async def run(data: Dataset) -> ReadResult:
    """Measure every read path on the built database."""
    rng = random.Random(SEED)
    store = await SqliteStore.open(data.path)
    try:
        service = QuizService(
            bank=bank(), store=store, clock=FixedClock(), rng=rng, platform=PLATFORM
        )
        calls = sample_calls(data, rng)
        config = await service.config(data.guild_ids[0])
        week = calendar.period_key(Period.WEEK, NOW, config.timezone)

        async def rank(guild: str, member: str) -> object:
            return await store.points_rank(guild, None, member)

        async def rank_week(guild: str, member: str) -> object:
            return await store.points_rank(guild, week, member)

        board = await time_calls(calls, board_call(service, Period.ALL))
        rank_all = await time_calls(calls, rank)
        stats = await time_calls(calls, service.stats)
        board_week = await time_calls(calls, board_call(service, Period.WEEK))
        rank_7d = await time_calls(calls, rank_week)
        tail = _tail(data, rng)
        rank_tail = await time_calls(tail, rank)
        plans = await _plans(store, data, week, tail[0])
        # Last, as it adds answers: reads while the writer is busy on the same store.
        owner = Member("load-owner", "Load")
        posts = [
            (await service.draw(data.guild_ids[0], f"load-{i}", owner)).post
            for i in range(LOAD_POSTS)
        ]
        loaded = [(r, *await _under_load(service, calls, r, posts)) for r in LOAD_RATES]
        return ReadResult(board, rank_all, stats, board_week, rank_7d, rank_tail, loaded, plans)
    finally:
        await store.close()
