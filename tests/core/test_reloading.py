"""Reloading packs while running: validated first, swapped whole, the old set kept on error."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import random
import signal
from pathlib import Path

import pytest

from bot.__main__ import _reloading_on_sighup
from bot.adapters.console.repl import run_console
from bot.config import Settings
from bot.core.errors import NotFound
from bot.core.packs import load_bank
from bot.core.reloading import (
    PROBLEM_WIDTH,
    SHOWN_PROBLEMS,
    PackReloader,
    ReloadResult,
    reload_report,
)
from tests.fakes import FakeClock

PACK = """\
topics:
  basics: Syntax and builtins.
questions:
  - id: {qid}
    difficulty: entry
    topics: [basics]
    prompt: What does len("{word}") return?
    answer: ["{length}"]
    explanation: len counts the characters of a string.
    choices:
      - text: "{length}"
        correct: true
      - text: "0"
        why: An empty string has length 0, this one does not.
"""


def write(path: Path, qid: str, word: str) -> Path:
    path.write_text(PACK.format(qid=qid, word=word, length=len(word)), encoding="utf-8")
    return path


def test_a_good_reload_swaps_every_question_at_once(tmp_path: Path) -> None:
    pack = write(tmp_path / "pack.yaml", "first", "abc")
    bank = load_bank([pack])
    reloader = PackReloader([pack], bank)
    write(pack, "second", "abcd")
    result = reloader.reload()
    assert result.ok
    assert result.summary() == "Packs reloaded: 1 questions."
    assert [q.id for q in bank] == ["second"]
    assert bank.matching(None, "basics") == ["second"]
    with pytest.raises(NotFound):
        bank.get("first")


def test_a_bad_reload_keeps_the_old_set_and_logs_every_problem(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pack = write(tmp_path / "pack.yaml", "first", "abc")
    bank = load_bank([pack])
    reloader = PackReloader([pack], bank)
    broken = pack.read_text().replace("entry", "hard")
    pack.write_text(broken + broken.split("questions:\n")[1].replace("first", "First One"))
    with caplog.at_level(logging.ERROR, logger="bot.core.reloading"):
        result = reloader.reload()
    assert not result.ok
    assert [q.id for q in bank] == ["first"]
    assert len(result.problems) == 3
    assert result.summary() == (
        "Reload refused: 3 problem(s); still serving the 1 questions loaded before."
    )
    logged = [record.getMessage() for record in caplog.records]
    assert all(f"pack problem: {problem}" in logged for problem in result.problems)
    assert "pack reload refused; keeping the 1 questions loaded before" in logged


def test_a_reload_to_nothing_is_refused(tmp_path: Path) -> None:
    pack = write(tmp_path / "pack.yaml", "first", "abc")
    folder = tmp_path / "more"
    folder.mkdir()
    bank = load_bank([pack])
    result = PackReloader([folder], bank).reload()
    assert not result.ok
    assert [q.id for q in bank] == ["first"]


async def test_sighup_reloads_the_packs_of_a_running_bot(tmp_path: Path) -> None:
    pack = write(tmp_path / "pack.yaml", "first", "abc")
    bank = load_bank([pack])
    reloader = PackReloader([pack], bank)

    async def serving() -> int:
        write(pack, "second", "abcd")
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(500):
            if bank.matching(None, None) == ["second"]:
                return 0
            await asyncio.sleep(0.01)
        return 1

    assert await _reloading_on_sighup(serving(), reloader) == 0
    # The handler is gone with the bot: SIGHUP is back to its default.
    loop = asyncio.get_running_loop()
    assert not loop.remove_signal_handler(signal.SIGHUP)


async def test_console_admin_reload(tmp_path: Path, clock: FakeClock) -> None:
    pack = write(tmp_path / "pack.yaml", "first", "abc")
    bank = load_bank([pack])
    reloader = PackReloader([pack], bank)
    broken = PACK.format(qid="bad", word="x", length=1).replace("entry", "hard")
    session = io.StringIO("/admin reload\n")
    out = io.StringIO()
    await run_console(
        bank,
        tmp_path / "c.db",
        rng=random.Random(1),
        clock=clock,
        stdin=session,
        stdout=out,
        reload=reloader.reload_async,
    )
    assert out.getvalue() == "Packs reloaded: 1 questions.\n"
    pack.write_text(broken, encoding="utf-8")
    out = io.StringIO()
    await run_console(
        bank,
        tmp_path / "c.db",
        rng=random.Random(1),
        clock=clock,
        stdin=io.StringIO("/admin reload\n/topics\n"),
        stdout=out,
        reload=reloader.reload_async,
    )
    assert out.getvalue() == (
        f"{pack}:5: bad: unknown difficulty 'hard' (expected one of entry, junior, mid, senior, expert)\n"
        "Reload refused: 1 problem(s); still serving the 1 questions loaded before.\n"
        "basics (1): Syntax and builtins.\n"
    )


def test_packs_setting_adds_to_the_bundled_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = write(tmp_path / "extra.yaml", "extra", "abc")
    monkeypatch.setenv("QUIZBOT_PACKS", f"{extra},data/questions.yaml")
    settings = Settings()
    bundled = settings.bundled_pack
    assert settings.pack_paths() == [bundled, extra]  # the bundled pack once, first
    monkeypatch.setenv("QUIZBOT_DEFAULT_PACK", "off")
    assert Settings().pack_paths() == [extra, Path("data/questions.yaml")]
    monkeypatch.setenv("QUIZBOT_DEFAULT_PACK", str(tmp_path / "elsewhere.yaml"))
    assert Settings().pack_paths()[0] == tmp_path / "elsewhere.yaml"
    monkeypatch.setenv("QUIZBOT_DEFAULT_PACK", " OFF ")
    assert Settings().default_pack == "off"


def _fence(lines: list[str]) -> str:
    return "<" + "|".join(lines) + ">"


def test_a_report_shows_the_summary_alone_after_a_good_reload() -> None:
    result = ReloadResult(True, 12, [])
    assert reload_report(result, _fence, 100) == "Packs reloaded: 12 questions."


def test_a_report_shows_the_first_problems_clipped_and_counts_the_rest() -> None:
    problems = [f"p.yaml:{n}: q{n}: " + "x" * 500 for n in range(SHOWN_PROBLEMS + 3)]
    report = reload_report(ReloadResult(False, 4, problems), _fence, 10_000)
    summary, shown, more = report.split("\n")
    assert summary == ReloadResult(False, 4, problems).summary()
    lines = shown.strip("<>").split("|")
    assert len(lines) == SHOWN_PROBLEMS
    assert all(len(line) == PROBLEM_WIDTH and line.endswith("…") for line in lines)
    assert lines[0].startswith("p.yaml:0: q0: xxx")
    assert more == "…and 3 more: every problem is in the log."


def test_a_report_drops_problems_until_it_fits_the_limit() -> None:
    problems = [f"p.yaml:{n}: q{n}: broken " + "y" * 100 for n in range(3)]
    result = ReloadResult(False, 4, problems)
    full = reload_report(result, _fence, 10_000)
    assert full.count("broken") == 3
    shorter = reload_report(result, _fence, len(full) - 1)
    assert len(shorter) <= len(full) - 1
    assert shorter.count("broken") == 2
    assert shorter.endswith("…and 1 more: every problem is in the log.")
    # Characters outside the BMP count twice, as Discord may count them.
    emoji = ReloadResult(False, 4, ["p.yaml:1: q: \U0001f600" * 10])
    report = reload_report(emoji, _fence, len(reload_report(emoji, _fence, 10_000)))
    assert "\U0001f600" not in report
