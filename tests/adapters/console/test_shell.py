"""The interactive console through prompt_toolkit's own pipe input: keys as a person types them."""

from __future__ import annotations

import asyncio
import io
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from bot.adapters.console.repl import run_console
from tests.fakes import FakeClock, small_bank

CTRL_C, CTRL_D, ENTER, UP = "\x03", "\x04", "\r", "\x1b[A"


@pytest.fixture
def keys() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe:
        yield pipe


async def play(keys: PipeInput, typed: str, db: Path, clock: FakeClock, *later: str) -> str:
    """Type `typed`; each of `later` is typed once the output so far has a new reply."""
    keys.send_text(typed)
    out = io.StringIO()
    session: PromptSession[str] = PromptSession(
        input=keys, output=DummyOutput(), history=InMemoryHistory()
    )
    running = asyncio.create_task(
        run_console(small_bank(), db, rng=random.Random(3), clock=clock, stdout=out, prompt=session)
    )
    for more in later:
        seen = len(out.getvalue().splitlines())
        for _ in range(500):
            await asyncio.sleep(0.01)
            if len(out.getvalue().splitlines()) > seen + 1:
                break
        keys.send_text(more)
    assert await running == 0
    return out.getvalue()


async def test_ctrl_c_drops_the_line_and_ctrl_d_leaves_on_a_new_line(
    keys: PipeInput, tmp_path: Path, clock: FakeClock
) -> None:
    typed = "/as half-typed" + CTRL_C + "/as alice" + ENTER + CTRL_D
    shown = await play(keys, typed, tmp_path / "q.db", clock)
    assert "You are now alice." in shown
    assert "half-typed" not in shown
    assert shown.endswith("\n\n"), "Ctrl-D prints a newline before leaving"


async def test_history_recalls_the_previous_line(
    keys: PipeInput, tmp_path: Path, clock: FakeClock
) -> None:
    # History loads in the background, so the arrows come once earlier lines were answered.
    typed = "/as bob" + ENTER + "/as carol" + ENTER
    shown = await play(keys, typed, tmp_path / "q.db", clock, UP + UP + ENTER + "/quit" + ENTER)
    assert shown.count("You are now bob.") == 2


async def test_admin_ping_postnow_and_status_in_the_guild_zone(
    keys: PipeInput, tmp_path: Path, clock: FakeClock
) -> None:
    typed = "".join(
        line + ENTER
        for line in (
            "/admin setup console 09:00 America/New_York",
            "/admin ping quiz-fans",
            "/admin postnow",
            "/admin postnow",
            "/admin status",
            "/quit",
        )
    )
    shown = await play(keys, typed, tmp_path / "q.db", clock)
    assert "ping: quiz-fans" in shown
    assert "Today's question is already posted." in shown
    next_post = next(line for line in shown.splitlines() if line.startswith("next post: "))
    assert next_post.endswith(("EST", "EDT")), next_post
    assert "09:00" in next_post


async def test_a_fresh_database_logs_no_migration_at_info(
    keys: PipeInput, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await play(keys, "/quit" + ENTER, tmp_path / "q.db", clock)
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and "migration" in r.message]
