"""The learning loop and moderation in the console: the same engine, typed line by line."""

from __future__ import annotations

import io
import re

from bot.adapters.console.repl import CHANNEL, Console
from bot.core.learning import EXCLUDED
from bot.core.reviewing import NOT_ANSWERED
from bot.core.service import QuizService
from tests.conftest import GUILD
from tests.fakes import FakeClock


class Session:
    """A console whose output is read back one command at a time."""

    def __init__(self, service: QuizService) -> None:
        self.out = io.StringIO()
        self.console = Console(service, GUILD, self.out)
        self.service = service

    async def run(self, *lines: str) -> str:
        start = len(self.out.getvalue())
        for line in lines:
            await self.console.handle(line)
        return self.out.getvalue()[start:]

    async def letter(self, right: bool) -> str:
        """The letter of the right (or a wrong) choice of the console's current question."""
        view = await self.service.view(self.console._last_post or 0)
        correct = view.question.correct_index
        for letter, index, _ in view.shown_choices:
            if (index == correct) is right:
                return letter
        raise AssertionError("no such choice")


async def started(service: QuizService) -> Session:
    session = Session(service)
    await session.run("/admin setup console 09:00 UTC", "/admin difficulty mid")
    return session


async def test_practice_never_shows_the_open_daily(service: QuizService) -> None:
    session = await started(service)
    await session.run("/daily")
    daily = await service.view(session.console._last_post or 0)
    practice = await session.run(*["/quiz mid private"] * 10)
    assert daily.question.prompt not in practice
    assert practice.count("[#") == 10


async def test_why_was_i_wrong_after_a_reveal(service: QuizService) -> None:
    session = await started(service)
    await session.run("/quiz mid", "/as alice")
    wrong = await session.letter(right=False)
    right = await session.letter(right=True)
    await session.run(wrong, "/reveal")

    explained = await session.run("/why")
    assert f"You answered {wrong}: not right (the answer is {right})." in explained
    assert f"Why not {wrong}: no" in explained
    assert "Explanation of mid-" in explained
    assert NOT_ANSWERED in await session.run("/as bob", "/why")


async def test_practice_grades_and_explains_at_once(service: QuizService) -> None:
    session = await started(service)
    await session.run("/quiz mid private")
    wrong = await session.letter(right=False)
    text = await session.run(wrong)
    assert f"{wrong} is not quite" in text
    assert f"Why not {wrong}: no" in text
    assert "Explanation of mid-" in text


async def test_review_stats_and_reminders(service: QuizService, clock: FakeClock) -> None:
    session = await started(service)
    await session.run("/quiz mid")
    missed = await session.letter(right=False)
    await session.run(missed, "/reveal")
    assert "Nothing due for review. The next one is due Wed 2026-11-25 08:00 UTC." in (
        await session.run("/review")
    )

    clock.advance(days=1)
    stats = await session.run("/stats")
    assert "reviews due: 1 (/review)" in stats
    assert "weakest topics: not enough answers yet (3 per topic)" in stats
    assert "streak savers: 0 held" in stats
    served = await session.run("/review")
    assert served.startswith("Review (private, no points):\n[#")
    text = await session.run(await session.letter(right=True))
    assert "is correct" in text
    assert "0 points" in await session.run("/stats")
    assert await session.run("/review remind on") == "Review reminders are on for you.\n"
    assert "neither on nor off" in await session.run("/review remind maybe")


async def test_admin_moderation_and_audit(service: QuizService) -> None:
    session = await started(service)
    assert "Self-graded answers score points and streaks." in await session.run(
        "/admin selfgrade on"
    )
    assert "bob is excluded" in await session.run("/admin member bob exclude")
    await session.run("/quiz mid", "/as bob")
    assert EXCLUDED in await session.run(await session.letter(right=True))
    assert "bob is included again." in await session.run("/as you", "/admin member bob include")
    await session.run("/as bob", await session.letter(right=True), "/reveal")

    prompt = await session.run("/as you", "/admin member bob forget")
    assert "This deletes every row about bob here: 1 answer(s)" in prompt
    assert "Repeat with confirm to go ahead: /admin member bob forget confirm" in prompt
    assert "bob: 3 points" in await session.run("/stats bob"), "nothing deleted yet"
    assert "Forgot bob: deleted 1 answer(s)" in await session.run(
        "/admin member bob forget confirm"
    )
    assert "bob has not answered a question yet." in await session.run("/stats bob")

    audit = await session.run("/admin audit")
    actions = re.findall(r"  you  (\w+):", audit)
    assert actions == [
        "forget",
        "include",
        "exclude",
        "selfgrade",
        "difficulty",
        "setup",
    ], audit
    assert "is not a member action" in await session.run("/admin member bob ban")
    assert CHANNEL == "console"
