"""Exports of a guild's member stats from a database filled through the real service."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.admin import GuildAdmin
from bot.core.model import Member, PostView
from bot.core.questions import Difficulty
from bot.core.service import QuizService
from bot.ops.cli import export_command
from bot.ops.export import COLUMNS, Format, export_stats
from tests.conftest import CHANNEL, GUILD, delivered_daily, shown_draw
from tests.fakes import FakeClock

ALICE, BOB = Member("u1", "Alice"), Member("u2", "Bob")
# A display name a spreadsheet would run as a formula.
CAROL = Member("u3", '=HYPERLINK("http://x","Carol")')
DAVE = Member("u4", "Dave")
BERLIN = ZoneInfo("Europe/Berlin")


def right(view: PostView) -> int:
    """The correct choice of a multiple-choice post."""
    correct = view.question.correct_index
    assert correct is not None
    return correct


def wrong(view: PostView) -> int:
    """A wrong choice of a multiple-choice post."""
    return next(i for i in view.post.choice_order if i != right(view))


async def play(
    service: QuizService, view: PostView, answers: dict[Member, bool], clock: FakeClock
) -> None:
    """Answer a post as told, then reveal it after a day."""
    for member, correct in answers.items():
        await service.answer(
            view.post.post_id, member, choice=right(view) if correct else wrong(view)
        )
    clock.advance(days=1)
    assert await service.reveal(view.post.post_id) is not None


@pytest.fixture
async def filled(service: QuizService, admin: GuildAdmin, clock: FakeClock, db_path: Path) -> Path:
    """Two junior dailies and a senior draw in GUILD, one draw in another guild."""
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    await admin.set_difficulty(GUILD, "junior")
    for day, answers in ((23, {ALICE: True, BOB: True}), (24, {ALICE: True})):
        clock.set(datetime(2026, 11, day, 9, 0, tzinfo=BERLIN))
        daily = await delivered_daily(service, GUILD)
        assert daily is not None
        await play(service, daily, answers, clock)
    draw = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.SENIOR)
    await play(service, draw, {ALICE: True, CAROL: False}, clock)
    other = await shown_draw(service, "g2", "c2", DAVE, difficulty=Difficulty.ENTRY)
    await play(service, other, {DAVE: True}, clock)
    return db_path


def export(db: Path, guild: str, fmt: Format) -> str:
    """The export as text."""
    out = io.StringIO()
    export_stats(db, guild, fmt, out)
    return out.getvalue()


async def test_json_matches_the_service_stats(filled: Path, service: QuizService) -> None:
    rows = json.loads(export(filled, GUILD, "json"))

    assert [row["member_id"] for row in rows] == ["u1", "u2", "u3"], "most points first"
    for row in rows:
        assert list(row) == list(COLUMNS)
        stats = await service.stats(GUILD, row["member_id"])
        assert stats is not None
        assert row["name"] == stats.name
        assert (row["points"], row["answered"], row["correct"]) == (
            stats.points,
            stats.answered,
            stats.correct,
        )
        assert (row["streak"], row["best_streak"]) == (stats.streak, stats.best_streak)
        assert row["accuracy"] == pytest.approx(stats.accuracy, abs=1e-4)
        for level in Difficulty:
            totals = stats.by_level.get(level)
            expected = (totals.answered, totals.correct, totals.points) if totals else (0, 0, 0)
            got = tuple(row[f"{level.value}_{name}"] for name in ("answered", "correct", "points"))
            assert got == expected, level
    alice, bob, carol = rows
    assert (alice["points"], alice["junior_points"], alice["senior_points"]) == (8, 4, 4)
    assert (alice["streak"], alice["best_streak"]) == (2, 2)
    assert (bob["streak"], bob["best_streak"]) == (0, 1), "a missed daily ends the streak"
    assert (carol["points"], carol["answered"], carol["accuracy"]) == (0, 1, 0.0)
    assert carol["name"] == CAROL.name, "JSON keeps names verbatim"


def test_csv_has_the_same_rows(filled: Path) -> None:
    text = export(filled, GUILD, "csv")
    from_json = json.loads(export(filled, GUILD, "json"))

    rows = list(csv.DictReader(io.StringIO(text)))

    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert len(rows) == len(from_json) == 3
    for row, expected in zip(rows, from_json, strict=True):
        assert row["member_id"] == expected["member_id"]
        assert row["points"] == str(expected["points"])
        assert row["senior_answered"] == str(expected["senior_answered"])
    assert rows[2]["name"] == "'" + CAROL.name, "a formula-looking name is defused"
    assert rows[0]["name"] == "Alice"


def test_only_the_asked_guild_is_exported(filled: Path) -> None:
    rows = json.loads(export(filled, "g2", "json"))

    assert [(row["member_id"], row["points"], row["entry_correct"]) for row in rows] == [
        ("u4", 1, 1)
    ]


@pytest.mark.parametrize(("fmt", "expected"), [("csv", ",".join(COLUMNS) + "\n"), ("json", "[]\n")])
def test_a_guild_without_members_is_empty(filled: Path, fmt: Format, expected: str) -> None:
    assert export(filled, "nobody-here", fmt) == expected


def test_export_never_writes(filled: Path) -> None:
    before = filled.read_bytes()
    export(filled, GUILD, "csv")
    assert filled.read_bytes() == before


def test_a_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such database file"):
        export(tmp_path / "missing.db", GUILD, "csv")
    assert not (tmp_path / "missing.db").exists()


def test_export_command_writes_the_rows_and_counts_on_stderr(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()

    assert export_command(filled, GUILD, "json", out) == 0

    assert len(json.loads(out.getvalue())) == 3
    assert capsys.readouterr().err == f"exported 3 member(s) of guild {GUILD}\n"


def test_export_command_on_a_database_without_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()

    assert export_command(empty, GUILD, "csv", io.StringIO()) == 1
    assert capsys.readouterr().err == "quizbot: export failed: no such table: guilds\n"
