"""The PostgreSQL figures (keys prefixed pg_), on a throwaway server this run starts itself.

The server keeps fsync on, as a production server would; every measurement gets a fresh
database of its own on it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from benchmarks import pg_engine, pg_load, pg_reads
from benchmarks.dataset import Dataset
from benchmarks.report import Row, Section, Target
from tests.databases import PgCluster
from tests.pg_server import running


def _rows(
    engine: pg_engine.PgEngineResult,
    raw: pg_engine.PgRawResult,
    got: pg_reads.PgReadResult,
    load: pg_load.SustainedResult,
) -> list[Section]:
    batched, per_answer = engine.batched, engine.per_answer
    two_ms = Target(2, False)
    held = [step for step in load.steps if step.held]
    sustained_p99 = held[-1].p99_ms if held else float("nan")
    answer_path = [
        Row("pg_answers_per_s", "burst throughput, batched (group commit)",
            batched.answers_per_s, "/s"),
        Row("pg_burst_p50_ms", "burst latency p50 (per call)", batched.per_call.p50_ms, "ms"),
        Row("pg_burst_p99_ms", "burst latency p99 (per call)", batched.per_call.p99_ms, "ms"),
        Row("pg_per_answer_tx_per_s", "burst throughput, one transaction per answer",
            per_answer.answers_per_s, "/s"),
        Row("pg_per_answer_tx_p99_ms", "per-answer transactions, burst p99",
            per_answer.per_call.p99_ms, "ms"),
        Row("pg_raw_per_s", "raw asyncpg, 1 answer per commit", raw.per_s, "/s"),
        Row("pg_raw_p50_ms", "raw asyncpg commit p50", raw.latency.p50_ms, "ms"),
        Row("pg_ratio_vs_raw", "pg_answers_per_s / raw", batched.answers_per_s / raw.per_s,
            "x", Target(2, True)),
        Row("pg_batched_vs_per_answer", "batched / one transaction per answer",
            batched.answers_per_s / per_answer.answers_per_s, "x"),
    ]  # fmt: skip
    reads = [
        Row("pg_board_p50_ms", "board all-time (top 10 + rank) p50", got.board.p50_ms, "ms",
            two_ms),
        Row("pg_board_p99_ms", "board all-time p99", got.board.p99_ms, "ms"),
        Row("pg_rank_p50_ms", "rank all-time (points_rank) p50", got.rank.p50_ms, "ms", two_ms),
        Row("pg_rank_p99_ms", "rank all-time p99", got.rank.p99_ms, "ms"),
        Row("pg_stats_p50_ms", "stats (service.stats) p50", got.stats.p50_ms, "ms", two_ms),
        Row("pg_stats_p99_ms", "stats p99", got.stats.p99_ms, "ms"),
        Row("pg_dataset_load_s", "copy 1M answers in (COPY) + ANALYZE", got.load_s, "s"),
    ]  # fmt: skip
    steps = [
        Row(f"pg_4proc_{step.rate}_p99_ms",
            f"4 processes at {step.rate:,}/s: p99 of the slowest ({step.achieved_per_s:,.0f}/s)",
            step.p99_ms, "ms", Target(pg_load.P99_BOUND_MS, False))
        for step in load.steps
    ]  # fmt: skip
    sustained = [
        Row("pg_sustained_4proc_per_s", "highest total rate held, p99 <= 50 ms",
            load.best_per_s, "/s"),
        Row("pg_sustained_4proc_p99_ms", "p99 at that rate", sustained_p99, "ms"),
        *steps,
    ]  # fmt: skip
    return [
        Section("PostgreSQL answer path: bursts of 1,000 concurrent answers", answer_path),
        Section("PostgreSQL read paths at 1,000,000 answers", reads),
        Section(f"PostgreSQL: {pg_load.PROCESSES} processes answering into one server", sustained),
    ]


async def _measure(
    cluster: PgCluster, data: Dataset, progress: Callable[[str], None]
) -> list[Section]:
    progress("PostgreSQL answer path (batched, per-answer transactions, raw asyncpg)…")
    engine = await pg_engine.run_engine(await cluster.create(), await cluster.create())
    raw = await pg_engine.run_raw(await cluster.create())
    progress("PostgreSQL: copying the 1,000,000-answer database in…")
    reads_url = await cluster.create(migrated=False)
    load_s = await pg_reads.load(data, reads_url)
    progress("PostgreSQL read paths…")
    got = await pg_reads.run(data, reads_url, load_s)
    progress(f"PostgreSQL sustained load from {pg_load.PROCESSES} processes…")
    load = await pg_load.run(await cluster.create())
    return _rows(engine, raw, got, load)


def run(data: Dataset, progress: Callable[[str], None]) -> list[Section]:
    """Start a durable throwaway server, measure, stop it."""
    with running(durable=True) as server:
        cluster = PgCluster(server.url())
        cluster.prepare_template()
        return asyncio.run(_measure(cluster, data, progress))


if __name__ == "__main__":
    sys.exit("run `python -m benchmarks` (or `make bench`)")
