"""Clicks that expire before the bot answers them: one log line each, never a second answer."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.adapters.discord_app.test_discord_e2e import (
    clock,  # noqa: F401 - fixture
    fake,  # noqa: F401 - fixture
    running_bot,
    view_of,
)
from tests.fake_discord import FakeDiscord
from tests.fakes import FakeClock


async def test_an_expired_click_is_one_line_and_never_answered_twice(
    fake: FakeDiscord,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        caplog.clear()
        caplog.set_level(logging.WARNING)
        fake.state.interactions_expire = True
        before = len(fake.requests)
        click = await fake.click(quiz.id, drawn.message.id, drawn.message.custom_ids()[0], bob)
        for _ in range(500):  # the handler runs in the client: wait for its outcome
            if caplog.records:
                break
            await asyncio.sleep(0.01)
        answers = [r for r in fake.requests[before:] if f"/interactions/{click.id}/" in r.path]
        assert len(answers) == 1, "one attempt to answer, no second one after the failure"
        [record] = caplog.records
        assert record.getMessage().startswith("interaction expired before it was answered")
        assert record.exc_info is None, "no traceback"
        # The answer itself was committed: only the acknowledgement came too late.
        assert await client.quiz.service.answer_of(view.post.post_id, str(bob.id)) is not None
