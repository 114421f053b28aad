"""The baseline: stdlib sqlite3, synchronous, one answer per transaction, same schema."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

from benchmarks.common import Latency, open_raw
from bot.storage.sqlite import UPSERT_ANSWER

MIN_ROWS = 2000
MAX_SECONDS = 5.0


@dataclass(frozen=True)
class RawResult:
    """Commits per second with one upsert per BEGIN IMMEDIATE … COMMIT."""

    per_s: float
    latency: Latency
    rows: int


Rows = list[tuple[Any, ...]]


def _copy(source: Path, post_ids: list[int]) -> tuple[Rows, Rows, Rows]:
    """The guilds, the posts and the answer rows the engine committed for those posts."""
    with closing(sqlite3.connect(str(source))) as conn:
        marks = ",".join("?" * len(post_ids))
        posts = conn.execute(f"SELECT * FROM posts WHERE post_id IN ({marks})", post_ids).fetchall()
        guilds = conn.execute("SELECT * FROM guilds").fetchall()
        answers = conn.execute(
            "SELECT post_id, member_id, member_name, choice, text, answered_at FROM answers "
            f"WHERE post_id IN ({marks}) ORDER BY post_id, member_id",
            post_ids,
        ).fetchall()
    return guilds, posts, answers


def run(path: Path, engine_db: Path, post_ids: list[int]) -> RawResult:
    """Upsert the engine's burst answers into a fresh database, one transaction each."""
    guilds, posts, rows = _copy(engine_db, post_ids)
    if len(rows) < MIN_ROWS:
        raise RuntimeError(f"only {len(rows)} answer rows to replay")
    with closing(open_raw(path)) as conn:
        conn.execute("BEGIN IMMEDIATE")  # the parents the foreign key needs, untimed
        for guild in guilds:
            conn.execute(f"INSERT INTO guilds VALUES ({','.join('?' * len(guild))})", guild)
        for post in posts:
            conn.execute(f"INSERT INTO posts VALUES ({','.join('?' * len(post))})", post)
        conn.execute("COMMIT")

        latencies: list[float] = []
        start = perf_counter()
        for values in rows:
            began = perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(UPSERT_ANSWER, values)
            conn.execute("COMMIT")
            latencies.append(perf_counter() - began)
            if began - start > MAX_SECONDS and len(latencies) >= MIN_ROWS:
                break
        elapsed = perf_counter() - start
    return RawResult(len(latencies) / elapsed, Latency.of(latencies), len(latencies))
