"""HTTP mode: a click is acknowledged (HTTP 200) before its answer is committed, and the
member's confirmation follows the commit."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.model import Answer
from tests.adapters.slack_app.harness import ALICE, BOB, SlackHarness, all_text, buttons


class GatedCommit:
    """Holds every answer before it reaches the store until the test opens the gate."""

    def __init__(self, slack: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
        submit = slack.store.submit_answer
        self.arrived = asyncio.Event()
        self.opened = asyncio.Event()

        async def gated(answer: Answer) -> bool:
            self.arrived.set()
            await self.opened.wait()
            return await submit(answer)

        monkeypatch.setattr(slack.store, "submit_answer", gated)


async def test_a_click_is_acked_before_its_commit_and_confirmed_after_it(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await slack.command(ALICE, "/quiz", "mid")
    ts, message = slack.last_post()
    shown = buttons(message)
    right, _ = await slack.right_and_wrong(shown.post_id)
    gate = GatedCommit(slack, monkeypatch)
    body, _ = slack.click_body(BOB, shown.choice(right), ts=ts)

    assert await slack.ack_only(body) == 200, "acknowledged while the answer waits"
    await gate.arrived.wait()
    assert slack.fake.ephemerals(BOB) == [], "nothing confirmed before the commit"
    assert await slack.store.answer_of(shown.post_id, BOB) is None

    gate.opened.set()
    await slack.bot.drain()
    assert await slack.store.answer_of(shown.post_id, BOB) is not None
    [confirmation] = slack.fake.ephemerals(BOB)
    assert confirmation.startswith("Your answer *")
    assert " is in. You can change it until the reveal" in confirmation


async def test_a_private_click_is_acked_first_and_answered_through_its_response_url(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    [practice] = await slack.command(ALICE, "/quiz", "private")
    shown = buttons(practice)
    right, _ = await slack.right_and_wrong(shown.post_id)
    gate = GatedCommit(slack, monkeypatch)
    body, key = slack.click_body(ALICE, shown.choice(right), ephemeral=True)

    assert await slack.ack_only(body) == 200
    await gate.arrived.wait()
    assert slack.fake.responses(key) == []

    gate.opened.set()
    await slack.bot.drain()
    [result] = slack.fake.responses(key)
    assert result["replace_original"] is True
    assert buttons(result).action_ids == []
    assert "right! :tada:" in all_text(result)
