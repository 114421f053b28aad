"""The results table, the targets it is judged against, and bench.json."""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PASS, MISS = "PASS", "MISS"


@dataclass(frozen=True)
class Target:
    """A bound a figure must meet: at least (`at_least`) or at most `bound`."""

    bound: float
    at_least: bool

    def met(self, value: float) -> bool:
        """True when the value satisfies the bound (NaN never does)."""
        if math.isnan(value):
            return False
        return value >= self.bound if self.at_least else value <= self.bound

    def __str__(self) -> str:
        return f"{'>=' if self.at_least else '<='} {self.bound:g}"


@dataclass(frozen=True)
class Row:
    """One figure: its bench.json key, what it means, its unit and its target if any."""

    key: str
    label: str
    value: float
    unit: str
    target: Target | None = None


@dataclass(frozen=True)
class Section:
    """A titled group of rows."""

    title: str
    rows: list[Row]


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "s":
        return f"{value:.3f} s" if value < 1 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:,.0f}{' ' + unit if unit else ''}"


def table(sections: list[Section]) -> str:
    """The aligned text table, PASS/MISS beside each figure that has a target."""
    label_w = max(len(r.label) for s in sections for r in s.rows)
    key_w = max(len(r.key) for s in sections for r in s.rows)
    lines = []
    for section in sections:
        lines.append("")
        lines.append(section.title)
        lines.append("-" * (label_w + key_w + 42))
        for r in section.rows:
            verdict = ""
            if r.target is not None:
                verdict = f"{r.target!s:>9}  {PASS if r.target.met(r.value) else MISS}"
            lines.append(
                f"  {r.label:<{label_w}}  {_fmt(r.value, r.unit):>14}  {verdict:<15} {r.key}"
            )
    return "\n".join(lines)


def write_json(path: Path, sections: list[Section], extra: dict[str, object]) -> None:
    """Every figure under its key, plus the targets with their verdicts and run metadata.

    Keys already in the file that this run did not measure are kept (a run of one store
    updates that store's figures only).
    """
    rows = [r for s in sections for r in s.rows]
    figures: dict[str, object] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            figures = loaded
    figures.update({r.key: (None if math.isnan(r.value) else round(r.value, 4)) for r in rows})
    targets = figures.get("targets")
    figures["targets"] = {
        **(targets if isinstance(targets, dict) else {}),
        **{
            r.key: {"target": str(r.target), "pass": r.target.met(r.value)}
            for r in rows
            if r.target is not None
        },
    }
    figures["meta"] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        **extra,
    }
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def merge_json(path: Path, sections: list[Section], extra: dict[str, object]) -> None:
    """Update bench.json with these figures only, keeping every other figure it holds."""
    try:
        figures: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        figures = {}
    rows = [r for s in sections for r in s.rows]
    figures.update({r.key: (None if math.isnan(r.value) else round(r.value, 4)) for r in rows})
    targets = figures.get("targets")
    targets = dict(targets) if isinstance(targets, dict) else {}
    targets.update(
        {
            r.key: {"target": str(r.target), "pass": r.target.met(r.value)}
            for r in rows
            if r.target is not None
        }
    )
    figures["targets"] = targets
    meta = figures.get("meta")
    meta = dict(meta) if isinstance(meta, dict) else {}
    meta.update(extra)
    figures["meta"] = meta
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
