"""Shared helpers: the fixed clock, the question bank, raw-schema setup and percentiles."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.core.bank import QuestionBank
from bot.core.packs import load_bank
from bot.storage.migrate import migrations

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "data" / "questions.yaml"
PLATFORM = "bench"
SEED = 20261125

# A Wednesday evening: that day's daily question (09:00 UTC, 8 h reveal) is already revealed.
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


class FixedClock:
    """A clock that never moves, so nothing is revealed behind the benchmark's back."""

    def __init__(self, when: datetime = NOW) -> None:
        self.when = when

    def now(self) -> datetime:
        """The fixed instant."""
        return self.when


def bank() -> QuestionBank:
    """The default question pack, loaded and validated as the bot loads it."""
    return load_bank([PACK])


def open_raw(path: Path) -> sqlite3.Connection:
    """A stdlib connection with SqliteStore.open's pragmas and the bundled schema applied."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    apply_schema(conn)
    return conn


def apply_schema(conn: sqlite3.Connection) -> None:
    """Apply every bundled migration exactly as bot.storage.migrate does."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for version, _name, sql in migrations():
        if version > current:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version:d};\nCOMMIT;"
            )


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 1,000 samples is the 990th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    """p50 / p99 / max of a set of latencies, in milliseconds."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    count: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        """Summarise latencies given in seconds."""
        return cls(
            p50_ms=percentile(seconds, 50) * 1e3,
            p99_ms=percentile(seconds, 99) * 1e3,
            max_ms=(max(seconds) if seconds else math.nan) * 1e3,
            count=len(seconds),
        )
