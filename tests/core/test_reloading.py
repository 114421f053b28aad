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
from bot.core.reloading import PackReloader
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
