"""Community features in a piped console session: suggest, review, serve, recap, threads."""

from __future__ import annotations

import io
import random
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.adapters.console.repl import run_console
from tests.fakes import FakeClock, small_bank

BERLIN = ZoneInfo("Europe/Berlin")
GOOD = (
    "expert | asyncio | What's the call that schedules a coroutine on the running loop? | "
    "asyncio.create_task(coro) | coro() alone | It only creates a coroutine object. | "
    "asyncio.sleep(coro) | sleep takes seconds. | await in a lambda | A lambda cannot await. | "
    "create_task wraps the coroutine in a Task that the loop runs."
)
SESSION = f"""\
/admin setup console 09:00 Europe/Berlin
/as alice
/suggest {GOOD}
/admin suggestions on
/suggest wizard | quantum | | a | b | | c | y | d | y | e
/suggest expert | asyncio | too few
/suggest {GOOD}
/as admin
/admin review
/admin approve 1
/admin approve 1
/admin threads on
/admin recap on
/admin recap day funday
/quiz expert asyncio
/reveal
/quiz expert asyncio
/reveal
/daily
/reveal
/quit
"""


async def test_a_whole_community_session(tmp_path: Path, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))
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
    assert "Suggestions are not open here yet" in text
    assert "Your question was not saved:\n• Unknown difficulty 'wizard'" in text
    assert "• Question: is empty" in text
    assert "• Why wrong answer 1 is wrong: is empty" in text
    assert "• Unknown topic(s): quantum. Known topics: asyncio, basics, design." in text
    assert "Expected 11 fields separated by |, got 3." in text
    assert "Saved as suggestion #1; it waits for review." in text
    assert "[suggestion #1 · pending · expert · asyncio · by alice]" in text
    assert "What's the call that schedules" in text, "quotes survive the one-line form"
    assert "       why not: sleep takes seconds." in text
    assert "[suggestion #1 · approved · expert · asyncio · by alice]" in text
    assert "Approved by admin; the answers are hidden." in text
    assert "Suggestion #1 was already approved by admin." in text
    assert "discussion threads: on" in text
    assert "weekly recap: on, mon 09:00 Europe/Berlin" in text
    assert "'funday' is not a day: use mon, tue, wed, thu, fri, sat or sun." in text
    assert "Suggested by alice" in text
    assert "] Discuss: Prompt of " in text, "the daily reveal opens its discussion"


async def test_the_recap_prints_on_its_day(tmp_path: Path, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=BERLIN))  # Monday, after the daily time
    session = "/admin setup console 09:00 Europe/Berlin\n/admin recap on\n/topics\n/topics\n"
    out = io.StringIO()
    await run_console(
        small_bank(),
        tmp_path / "c.db",
        rng=random.Random(5),
        clock=clock,
        stdin=io.StringIO(session),
        stdout=out,
    )
    text = out.getvalue()
    assert text.count("[weekly recap · 2026-W49]") == 1
    assert "Participation: 0 members, 0 answers" in text
