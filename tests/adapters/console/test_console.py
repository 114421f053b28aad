"""A whole console session piped in, from setup to leaderboard."""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
from pathlib import Path

from bot.adapters.console.repl import run_console
from tests.fakes import FakeClock, small_bank

SESSION = """\
/admin setup console 25:99 Europe/Berlin
/admin setup console 09:00 Europe/Berlin
/admin reveal draw:5s
/quiz entry
/as alice
A
/as bob
B
/as carol
C
/as dave
D
/quiz junior
/reveal
/leaderboard
/stats alice
/quiz mid nonsense
/bogus
/quit
/stats never-reached
"""


async def test_piped_session(tmp_path: Path, clock: FakeClock) -> None:
    out = io.StringIO()
    code = await run_console(
        small_bank(),
        tmp_path / "c.db",
        rng=random.Random(5),
        clock=clock,
        stdin=io.StringIO(SESSION),
        stdout=out,
    )
    text = out.getvalue()
    assert code == 0
    assert "'25:99' is not a valid time: hours go 00-23 and minutes 00-59." in text
    assert "time: 09:00 Europe/Berlin on every day" in text
    assert "The draw reveal delay must be between 10s and 1h; '5s' is 5s." in text
    assert "[#1 draw · entry · " in text
    for name, letter in [("alice", "A"), ("bob", "B"), ("carol", "C"), ("dave", "D")]:
        assert f"{name}: answer {letter} recorded for #1." in text
    assert "A question is already open in this channel; answer it or wait for its reveal." in text
    assert "Answered 4 · correct 1 (25%)" in text
    match = re.search(r"✓ ([A-D])\)", text)
    assert match is not None
    winner = {"A": "alice", "B": "bob", "C": "carol", "D": "dave"}[match[1]]
    assert f"  1. {winner} — 1 point" in text
    for loser in {"alice", "bob", "carol", "dave"} - {winner}:
        assert f"  2. {loser} — 0 points" in text, "answered, scored nothing: on the board"
    alice_line = "alice: 1 point" if winner == "alice" else "alice: 0 points"
    assert alice_line in text
    assert "Unknown topic 'nonsense'." in text
    assert "Unknown command '/bogus': type /help for the list." in text
    assert "never-reached" not in text
    assert "\x1b[" not in text, "no colour codes when not a terminal"


def test_console_command_runs_from_the_shell(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(tmp_path / "shell.db")],
        input="/quiz expert\n/reveal\n/leaderboard week\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "[#1 draw · expert · " in result.stdout
    assert "[#1 revealed]" in result.stdout
    assert "Nobody is on this board yet." in result.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "bot", "guilds", "--db", str(tmp_path / "shell.db")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines()[1].split() == [
        "console", "console", "console", "0", "1", "console",
    ], "the terminal's guild is named by its id"  # fmt: skip
