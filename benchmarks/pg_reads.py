"""Read paths on PostgreSQL at 1,000,000 answers: the SQLite dataset copied in with COPY."""

from __future__ import annotations

import random
from dataclasses import dataclass
from time import perf_counter

import asyncpg

from benchmarks.common import PLATFORM, SEED, FixedClock, Latency, bank
from benchmarks.dataset import Dataset
from benchmarks.reads import board_call, sample_calls, time_calls
from bot.core.model import Period
from bot.core.service import QuizService
from bot.storage.copy import copy_database
from bot.storage.postgres import PostgresStore


@dataclass(frozen=True)
class PgReadResult:
    """Latency of the board, rank and stats reads, and how long loading the data took."""

    board: Latency
    rank: Latency
    stats: Latency
    load_s: float


async def load(data: Dataset, url: str) -> float:
    """Copy the built SQLite dataset into the empty database at `url` (COPY), then ANALYZE."""
    started = perf_counter()
    await copy_database(str(data.path), url)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return perf_counter() - started


async def run(data: Dataset, url: str, load_s: float) -> PgReadResult:
    """Time the read paths through PostgresStore and QuizService on the loaded database."""
    rng = random.Random(SEED)
    store = await PostgresStore.open(url)
    try:
        service = QuizService(
            bank=bank(), store=store, clock=FixedClock(), rng=rng, platform=PLATFORM
        )
        calls = sample_calls(data, rng)

        async def rank(guild: str, member: str) -> object:
            return await store.points_rank(guild, None, member)

        board = await time_calls(calls, board_call(service, Period.ALL))
        rank_all = await time_calls(calls, rank)
        stats = await time_calls(calls, service.stats)
    finally:
        await store.close()
    return PgReadResult(board, rank_all, stats, load_s)
