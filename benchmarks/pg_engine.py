"""The answer path on PostgreSQL: bursts through QuizService (batched, and one transaction
per answer), and the raw asyncpg baseline (one commit per answer, same schema)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from time import perf_counter

import asyncpg

from benchmarks.common import PLATFORM, SEED, FixedClock, Latency, bank
from benchmarks.engine import BurstResult, bursts
from bot.core.model import Member
from bot.core.service import QuizService
from bot.storage.postgres import PostgresStore

RAW_ANSWERS = 2000
RAW_MAX_SECONDS = 5.0

# The plain single-row upsert, as a hand-written client would send it.
RAW_UPSERT = """
INSERT INTO answers (post_id, member_id, member_name, choice, text, answered_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (post_id, member_id) DO UPDATE SET
    member_name = excluded.member_name, choice = excluded.choice,
    text = excluded.text, answered_at = excluded.answered_at
"""


@dataclass(frozen=True)
class PgEngineResult:
    """Bursts with the batching writer and with one transaction per answer."""

    batched: BurstResult
    per_answer: BurstResult


@dataclass(frozen=True)
class PgRawResult:
    """Sequential single-row upserts, each its own transaction (commit and WAL flush)."""

    per_s: float
    latency: Latency


async def _burst_run(url: str, *, batch: bool) -> BurstResult:
    store = await PostgresStore.open(url, batch_answers=batch)
    try:
        rng = random.Random(SEED)
        service = QuizService(
            bank=bank(), store=store, clock=FixedClock(), rng=rng, platform=PLATFORM
        )
        return await bursts(service, rng, warm=False, post_ids=[])
    finally:
        await store.close()


async def run_engine(batched_url: str, per_answer_url: str) -> PgEngineResult:
    """1,000-answer bursts on fresh posts, each mode on a database of its own."""
    batched = await _burst_run(batched_url, batch=True)
    per_answer = await _burst_run(per_answer_url, batch=False)
    return PgEngineResult(batched, per_answer)


async def run_raw(url: str) -> PgRawResult:
    """One connection, one upsert per transaction, on a post made through the store."""
    store = await PostgresStore.open(url)
    try:
        service = QuizService(
            bank=bank(), store=store, clock=FixedClock(), rng=random.Random(SEED), platform=PLATFORM
        )
        post = (await service.draw("raw-guild", "raw", Member("owner", "Owner"))).post
    finally:
        await store.close()
    conn = await asyncpg.connect(url)
    try:
        latencies: list[float] = []
        answered_at = int(FixedClock().now().timestamp())
        start = perf_counter()
        for i in range(RAW_ANSWERS):
            began = perf_counter()
            await conn.execute(
                RAW_UPSERT, post.post_id, f"r{i:06d}", f"Raw {i}", post.choice_order[0], None,
                answered_at,
            )  # fmt: skip
            latencies.append(perf_counter() - began)
            if began - start > RAW_MAX_SECONDS:
                break
        elapsed = perf_counter() - start
    finally:
        await conn.close()
    return PgRawResult(len(latencies) / elapsed, Latency.of(latencies))
