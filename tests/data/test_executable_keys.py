"""Every bundled question whose key is a program's behaviour is checked by running it."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import pytest

from bot.core.bank import RUNNING_PYTHON
from bot.core.packs import read_packs
from bot.core.questions import Question
from tests.data.programs import Outcome, run_program, run_programs

DATA = Path(__file__).resolve().parents[2] / "data"


def bundled_questions() -> list[Question]:
    """Questions with `expect` from every pack shipped in data/."""
    packs = read_packs(sorted(DATA.glob("*.yaml")))
    return [q for q in packs.questions if q.expect is not None and q.code is not None]


QUESTIONS = bundled_questions()


@cache
def outcomes() -> dict[str, Outcome]:
    """Every runnable program, run once for the whole module, concurrently."""
    runnable = {q.id: q.code or "" for q in QUESTIONS if q.runs_on(RUNNING_PYTHON)}
    return run_programs(runnable)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_the_program_does_what_the_key_says(question: Question) -> None:
    if not question.runs_on(RUNNING_PYTHON):
        pytest.skip(f"python: {question.python} excludes {RUNNING_PYTHON}")
    expect, got = question.expect, outcomes()[question.id]
    assert expect is not None
    assert not got.timed_out, f"{question.id}: still running after 5 s"
    if expect.raises is not None:
        assert got.raised == expect.raises, f"{question.id}: stdout {got.stdout!r}\n{got.stderr}"
    else:
        assert got.raised is None, f"{question.id}: raised {got.raised}\n{got.stderr}"
        assert got.returncode == 0, f"{question.id}: exit status {got.returncode}\n{got.stderr}"
        assert got.stdout == expect.stdout


def test_the_runner_reports_output_and_the_escaping_exception() -> None:
    ran = run_programs(
        {
            "prints": "nums = [3, 1, 2]\nprint(nums.sort(), nums)\n",
            "raises": "print('before')\n(1, 2)[0] = 5\n",
            "exits": "import sys\nprint('bye')\nexit(3)\n",
        }
    )
    assert ran["prints"] == Outcome("None [1, 2, 3]\n", None, "")
    assert ran["raises"].stdout == "before\n"
    assert ran["raises"].raised == "TypeError"
    assert ran["exits"].stdout == "bye\n"
    assert ran["exits"].raised is None
    assert ran["exits"].returncode == 3


def test_programs_run_isolated_in_an_empty_folder_without_network() -> None:
    program = """\
import os, socket, sys
print(os.listdir('.') == ['code.py'], sys.flags.isolated, sys.path[0] == os.getcwd())
a, b = socket.socketpair()
a.sendall(b"local sockets work")
print(b.recv(100).decode())
socket.create_connection(('127.0.0.1', 9), timeout=1)
"""
    got = run_program(program)
    assert got.stdout == "True 1 True\nlocal sockets work\n"
    assert got.raised == "PermissionError"
    assert "network access is disabled" in got.stderr


def test_a_program_that_hangs_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.data.programs.TIMEOUT_S", 0.5)
    got = run_program("import time\nprint('start', flush=True)\ntime.sleep(30)\n")
    assert got.timed_out
    assert got.stdout == "start\n"


def test_the_running_interpreter_is_the_one_checked() -> None:
    got = run_program("import sys\nprint(sys.version_info[:2])\n")
    assert got.stdout == f"{tuple(sys.version_info[:2])}\n"
