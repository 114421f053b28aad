"""Export one guild's member stats as CSV or JSON, read through a read-only connection."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Literal, TextIO

from bot.core import scoring
from bot.core.model import LevelStats, MemberStats
from bot.core.questions import Difficulty
from bot.core.text import clean_name
from bot.ops.readonly import connect_readonly

Format = Literal["csv", "json"]
Row = dict[str, str | int | float]

LEVEL_FIELDS = ("answered", "correct", "points")
COLUMNS = (
    "member_id",
    "name",
    "points",
    "answered",
    "correct",
    "accuracy",
    "streak",
    "best_streak",
    *(f"{level.value}_{name}" for level in Difficulty for name in LEVEL_FIELDS),
)
# A cell starting with one of these is a formula to a spreadsheet; names are user-chosen.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_stats(db: Path, guild_id: str, fmt: Format, out: TextIO) -> int:
    """Write the guild's members (most points first) to `out`; returns how many."""
    if not db.is_file():
        raise ValueError(f"cannot export from {db}: no such database file")
    conn = connect_readonly(db)
    try:
        rows = _members(conn, guild_id)
    finally:
        conn.close()
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "name": _cell(clean_name(str(row["name"])))} for row in rows)
    elif fmt == "json":
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        raise ValueError(f"unknown export format {fmt!r}: use csv or json")
    return len(rows)


def _members(conn: sqlite3.Connection, guild_id: str) -> list[Row]:
    # One read transaction, so that totals, levels and the last daily agree with each other.
    conn.execute("BEGIN")
    row = conn.execute(
        "SELECT last_revealed_seq FROM guilds WHERE guild_id = ?", (guild_id,)
    ).fetchone()
    last_seq = int(row[0]) if row else 0
    members = {
        member_id: MemberStats(guild_id, member_id, *rest)
        for member_id, *rest in conn.execute(
            "SELECT member_id, name, points, answered, correct, streak, best_streak, streak_seq "
            "FROM member_stats WHERE guild_id = ? ORDER BY points DESC, member_id",
            (guild_id,),
        )
    }
    levels = conn.execute(
        "SELECT member_id, difficulty, answered, correct, points FROM level_stats "
        "WHERE guild_id = ?",
        (guild_id,),
    )
    for member_id, level, answered, correct, points in levels:
        if member_id in members:
            members[member_id].by_level[Difficulty(level)] = LevelStats(answered, correct, points)
    conn.execute("COMMIT")
    return [_row(stats, last_seq) for stats in members.values()]


def _row(stats: MemberStats, last_seq: int) -> Row:
    row: Row = {
        "member_id": stats.member_id,
        "name": stats.name,
        "points": stats.points,
        "answered": stats.answered,
        "correct": stats.correct,
        "accuracy": round(stats.accuracy, 4),
        # The streak as /stats shows it: one missed daily ends it even before the next reveal.
        "streak": scoring.current_streak(stats, last_seq),
        "best_streak": stats.best_streak,
    }
    for level in Difficulty:
        totals = stats.by_level.get(level, LevelStats())
        for name in LEVEL_FIELDS:
            row[f"{level.value}_{name}"] = getattr(totals, name)
    return row


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) by prefixing a quote."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text
