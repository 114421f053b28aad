"""`python -m benchmarks [--only sqlite|pg]`: measure, print the table, update bench.json.

`python -m benchmarks NAME...` runs only the named benchmarks (`packs`, `clicks`,
`slack_http_burst`) and merges their figures into an existing bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

from benchmarks import clicks, dataset, engine, packs, pg_bench, raw, reads, slack_burst, startup
from benchmarks.common import ROOT, Latency, bank
from benchmarks.report import Row, Section, Target, merge_json, table, write_json

OUTPUT = ROOT / "bench.json"


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _latency_rows(
    key: str, label: str, latency: Latency, p50: Target | None = None, p99: Target | None = None
) -> list[Row]:
    return [
        Row(f"{key}_p50_ms", f"{label} p50", latency.p50_ms, "ms", p50),
        Row(f"{key}_p99_ms", f"{label} p99", latency.p99_ms, "ms", p99),
    ]


def _startup_rows(start: startup.StartupResult) -> list[Row]:
    three_s, sixty_mb = Target(3, False), Target(60, False)
    guilds = f"{startup.GUILDS:,} guilds"
    return [
        Row("start_10k_guilds_s", f"start to ready-to-connect, {guilds}", start.start_s, "s",
            three_s),
        Row("start_empty_s", "start to ready-to-connect, no guild (same run)",
            start.empty_start_s, "s"),
        Row("start_10k_guilds_rss_mb", f"peak RSS above an empty bot, {guilds}",
            start.rss_above_empty_mb, "MB", sixty_mb),
        Row("start_10k_guilds_rss_peak_mb", f"peak RSS, {guilds}", start.rss_peak_mb, "MB"),
        Row(f"catchup_{startup.DUE}_dailies_s",
            f"catch-up once connected: {startup.DUE:,} dailies posted and delivered",
            start.catchup_s, "s"),
        Row("catchup_dailies_per_s", "catch-up rate", start.posted / start.catchup_s, "/s"),
    ]  # fmt: skip


def _sections(
    eng: engine.EngineResult,
    base: raw.RawResult,
    data: dataset.Dataset,
    got: reads.ReadResult,
    start: startup.StartupResult,
) -> list[Section]:
    # answers_per_s is the burst throughput as the engine behaves today: 1,000 answers
    # submitted at once on a freshly drawn post (median of the bursts). The same burst on a
    # post already in the service's cache is reported beside it as burst_warm_*.
    cold, warm, under_15ms, twice = eng.cold, eng.warm, Target(15, False), Target(2, True)
    answers_per_s = cold.answers_per_s
    burst = [
        Row("answers_per_s", "burst throughput, fresh post", answers_per_s, "/s"),
        Row("burst_p50_ms", "burst latency p50 (per call)", cold.per_call.p50_ms, "ms"),
        Row("burst_p99_ms", "burst latency p99 (per call)", cold.per_call.p99_ms, "ms", under_15ms),
        Row("burst_arrival_p99_ms", "burst p99 from arrival", cold.from_arrival.p99_ms, "ms"),
        Row("burst_warm_answers_per_s", "burst throughput, cached post", warm.answers_per_s, "/s"),
        Row("burst_warm_p50_ms", "cached-post burst p50 (per call)", warm.per_call.p50_ms, "ms"),
        Row("burst_warm_p99_ms", "cached-post burst p99 (per call)", warm.per_call.p99_ms, "ms",
            under_15ms),
        Row("burst_warm_arrival_p99_ms", "cached-post burst p99 from arrival",
            warm.from_arrival.p99_ms, "ms"),
    ]  # fmt: skip
    loops = []
    for loop in eng.open_loops:
        rate = loop.target_per_s
        loops += [
            Row(f"open_{rate}_achieved_per_s", f"open loop {rate:,}/s achieved",
                loop.achieved_per_s, "/s"),
            *_latency_rows(f"open_{rate}", f"open loop {rate:,}/s", loop.latency),
        ]  # fmt: skip
    baseline = [
        Row("raw_sqlite_per_s", "raw sqlite3, 1 answer per commit", base.per_s, "/s"),
        *_latency_rows("raw_sqlite", "raw sqlite3 commit", base.latency),
        Row("ratio_vs_raw", "answers_per_s / raw", answers_per_s / base.per_s, "x", twice),
        Row("ratio_warm_vs_raw", "cached-post burst / raw", warm.answers_per_s / base.per_s, "x",
            twice),
    ]  # fmt: skip
    one_ms, two_ms = Target(1, False), Target(2, False)
    read_rows = [
        *_latency_rows("board", "board all-time (top 10 + rank)", got.board, one_ms),
        *_latency_rows("rank", "rank all-time (points_rank)", got.rank, one_ms),
        *_latency_rows("stats", "stats (service.stats)", got.stats, one_ms),
        *_latency_rows("board_7d", "board this week (top 10 + rank)", got.board_week, two_ms),
        *_latency_rows("rank_7d", "rank this week (points_rank)", got.rank_week),
        *_latency_rows("rank_tail", "rank all-time, biggest guild's tail", got.rank_tail),
    ]
    for rate, achieved, latency in got.board_under_load:
        read_rows += [
            Row(f"board_load_{rate}_answers_per_s", f"answers committed meanwhile ({rate:,}/s)",
                achieved, "/s"),
            *_latency_rows(f"board_load_{rate}", f"board all-time, {rate:,} answers/s", latency,
                           one_ms),
        ]  # fmt: skip
    scale = [
        Row("dataset_answers", "answers", data.answers, ""),
        Row("dataset_guilds", "guilds", len(data.sizes), ""),
        Row("dataset_members", "members", sum(data.sizes), ""),
        Row("dataset_biggest_guild", "members in the biggest guild", data.sizes[0], ""),
        Row("dataset_period_rows", "period_points rows", data.period_rows, ""),
        Row("dataset_build_s", "build time (bulk insert + ANALYZE)", data.build_s, "s"),
    ]
    return [
        Section(
            f"Start: {startup.GUILDS:,} guilds, {startup.DUE:,} dailies overdue "
            "(in-memory platform)",
            _startup_rows(start),
        ),
        Section(f"Answer path: burst of {engine.BURST_SIZE:,} concurrent answers", burst),
        Section(f"Answer path: open loop, {engine.OPEN_LOOP_SECONDS:g} s per rate", loops),
        Section("Baseline: raw sqlite3 on the same schema and pragmas", baseline),
        Section(f"Read paths: {reads.CALLS:,} calls each, guilds sampled by size", read_rows),
        Section("Read dataset", scale),
    ]


def _pack_section(folder: Path) -> Section:
    _progress(f"pack validation: {packs.QUESTIONS:,} generated questions…")
    got = packs.run(folder)
    return Section(
        f"Packs: {packs.QUESTIONS:,} generated questions in {packs.FILES} files",
        [
            Row("validate_10k_questions_s", "validate (read, check, duplicates)", got.validate_s,
                "s", Target(5, False)),
            Row("validate_10k_questions_cpu_s", "validate, CPU time", got.validate_cpu_s, "s"),
            Row("start_10k_questions_s", "bot start: python, imports, load_bank", got.start_s,
                "s", Target(10, False)),
            Row("start_10k_questions_cpu_s", "bot start, CPU time", got.start_cpu_s, "s"),
            Row("validate_10k_findings", "planted near-copies found (of 5)", got.problems, ""),
        ],
    )  # fmt: skip


def _click_section(folder: Path) -> Section:
    burst = f"{clicks.BURST:,}"
    _progress(f"Discord: {burst} answer clicks in {clicks.BURST_S:g} s, quizbot and a trivial bot…")
    got = asyncio.run(clicks.run(folder, _progress))
    q, t, key = got.quizbot, got.trivial, f"click_burst_{clicks.BURST}"
    return Section(
        f"Discord: {burst} answer clicks on one post within {clicks.BURST_S:g} s "
        f"(median of {clicks.RUNS} runs; the trivial bot answers at once)",
        [
            Row(f"{key}_acked_in_3s", "quizbot: first response within 3 s",
                clicks.median(q, "acked"), ""),
            Row(f"{key}_acked_in_3s_min", "quizbot: the same, worst run", min(r.acked for r in q),
                ""),
            Row(f"{key}_deferred", "quizbot: of which deferred, acknowledged by followup",
                clicks.median(q, "deferred"), ""),
            Row(f"{key}_failed", "quizbot: no first response within 3 s",
                clicks.median(q, "failed"), ""),
            Row(f"{key}_p99_ms", "quizbot: click to first response p99",
                clicks.median(q, "latency"), "ms"),
            Row(f"{key}_committed", "quizbot: answers committed (worst run)",
                min(r.committed for r in q), "", Target(clicks.BURST, True)),
            Row(f"{key}_tracebacks", "quizbot: tracebacks logged (all runs)",
                sum(r.tracebacks for r in q), "", Target(0, False)),
            Row("click_cpu_ms", "quizbot: bot CPU per click", clicks.median(q, "cpu_ms_per_click"),
                "ms"),
            Row(f"{key}_acked_in_3s_trivial", "trivial bot: first response within 3 s",
                clicks.median(t, "acked"), ""),
            Row(f"{key}_acked_in_3s_min_trivial", "trivial bot: the same, worst run",
                min(r.acked for r in t), ""),
            Row(f"{key}_p99_ms_trivial", "trivial bot: click to first response p99",
                clicks.median(t, "latency"), "ms"),
            Row("click_cpu_ms_trivial", "trivial bot: bot CPU per click",
                clicks.median(t, "cpu_ms_per_click"), "ms"),
        ],
    )  # fmt: skip


def _slack_section(folder: Path) -> Section:
    burst = f"{slack_burst.BURST:,}"
    _progress(f"Slack HTTP: {burst} answer clicks in {slack_burst.BURST_S:g} s, quizbot and "
              "an ack-only bolt app…")  # fmt: skip
    got = asyncio.run(slack_burst.run(folder, _progress))
    q, t, key = got.quizbot, got.trivial, f"slack_http_burst_{slack_burst.BURST}"

    def m(
        runs: list[slack_burst.SlackRun], figure: Callable[[slack_burst.SlackRun], float]
    ) -> float:
        return slack_burst.median(runs, figure)

    return Section(
        f"Slack HTTP mode: {burst} answer clicks on one post within {slack_burst.BURST_S:g} s "
        f"(median of {slack_burst.RUNS} runs; the trivial app only acks)",
        [
            Row(f"{key}_acked_in_3s", "quizbot: HTTP 200 within 3 s", m(q, lambda r: r.acked), "",
                Target(slack_burst.BURST, True)),
            Row(f"{key}_acked_in_3s_min", "quizbot: the same, worst run", min(r.acked for r in q),
                ""),
            Row(f"{key}_p50_ms", "quizbot: click to ack p50", m(q, lambda r: r.latency.p50_ms),
                "ms"),
            Row(f"{key}_p99_ms", "quizbot: click to ack p99", m(q, lambda r: r.latency.p99_ms),
                "ms"),
            Row(f"{key}_confirmed_s", "quizbot: first click to every confirmation sent",
                m(q, lambda r: r.confirmed_s), "s"),
            Row(f"{key}_committed", "quizbot: answers committed (worst run)",
                min(r.committed for r in q), "", Target(slack_burst.BURST, True)),
            Row("slack_http_cpu_ms", "quizbot: app CPU per click",
                m(q, lambda r: r.cpu_ms_per_click), "ms"),
            Row(f"{key}_acked_in_3s_trivial", "trivial app: HTTP 200 within 3 s",
                m(t, lambda r: r.acked), ""),
            Row(f"{key}_p50_ms_trivial", "trivial app: click to ack p50",
                m(t, lambda r: r.latency.p50_ms), "ms"),
            Row(f"{key}_p99_ms_trivial", "trivial app: click to ack p99",
                m(t, lambda r: r.latency.p99_ms), "ms"),
            Row("slack_http_cpu_ms_trivial", "trivial app: app CPU per click",
                m(t, lambda r: r.cpu_ms_per_click), "ms"),
        ],
    )  # fmt: skip


# Benchmarks that run alone by name, their figures merged into bench.json.
NAMED: dict[str, Callable[[Path], Section]] = {
    "packs": _pack_section,
    "clicks": _click_section,
    "slack_http_burst": _slack_section,
}


def _extra() -> dict[str, object]:
    return {
        "packs_questions": packs.QUESTIONS,
        "click_burst": clicks.BURST,
        "click_runs": clicks.RUNS,
        "slack_http_burst": slack_burst.BURST,
        "slack_http_runs": slack_burst.RUNS,
    }


def main() -> None:
    """Run the benchmarks in a temporary folder and report; bench.json keeps other keys.

    `python -m benchmarks NAME...` runs the named benchmarks alone and merges their figures.
    """
    names = sys.argv[1:]
    if names and all(name in NAMED for name in names):
        with tempfile.TemporaryDirectory(prefix="quizbot-bench-") as folder:
            picked = [NAMED[name](Path(folder)) for name in names]
        print(table(picked))
        merge_json(OUTPUT, picked, _extra())
        print(f"\nmerged into {OUTPUT}")
        return
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", epilog=f"or: python -m benchmarks {{{','.join(NAMED)}}}..."
    )
    parser.add_argument("--only", choices=("sqlite", "pg"), help="measure one store only")
    only = parser.parse_args().only
    started = perf_counter()
    sections: list[Section] = []
    with tempfile.TemporaryDirectory(prefix="quizbot-bench-") as folder:
        tmp = Path(folder)
        if only != "pg":
            # First, on a quiet machine: the later steps leave the disk busy for a while.
            _progress(f"start with {startup.GUILDS:,} guilds (fresh interpreters)…")
            start = startup.run(tmp)
            # Click bursts next, while the machine is still quiet: they count on the CPU.
            platforms = [_click_section(tmp), _slack_section(tmp)]
            _progress("answer path through QuizService (bursts, open loops)…")
            eng = asyncio.run(engine.run(tmp / "engine.db"))
            _progress("raw sqlite3 baseline…")
            base = raw.run(tmp / "raw.db", tmp / "engine.db", eng.burst_post_ids)
        _progress("building the 1,000,000-answer database…")
        data = dataset.build(tmp / "reads.db", bank())
        if only != "sqlite":
            # Before the SQLite reads, which add answers: PostgreSQL gets exactly 1,000,000.
            sections += pg_bench.run(data, _progress)
        if only != "pg":
            _progress("read paths…")
            got = asyncio.run(reads.run(data))
            sections = [
                *_sections(eng, base, data, got, start),
                *platforms,
                _pack_section(tmp),
                *sections,
            ]
            print("EXPLAIN QUERY PLAN (biggest-guild sample; SQL captured from SqliteStore)")
            for what, sql, plan in got.plans:
                print(f"\n{what}:\n  {sql}")
                for line in plan:
                    print(f"    {line}")
    total_key = "total_s" if only is None else f"total_{only}_s"
    sections[-1].rows.append(Row(total_key, "whole benchmark run", perf_counter() - started, "s"))
    print(table(sections))
    extra = {"burst_size": engine.BURST_SIZE, "bursts": engine.BURSTS}
    write_json(OUTPUT, sections, {**extra, **_extra()})
    print(f"\nwrote {OUTPUT}")


if __name__ == "__main__":
    main()
