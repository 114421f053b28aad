"""Delivery on Slack: nothing posted twice, nothing left open, however Slack or the app fails."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.bank import QuestionBank
from tests.adapters.slack_app.harness import (
    ADMIN,
    ALICE,
    BOB,
    CHANNEL,
    SlackHarness,
    all_text,
    answer_ids,
    buttons,
)

BERLIN = ZoneInfo("Europe/Berlin")


async def setup_daily(slack: SlackHarness) -> None:
    slack.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN))
    await slack.reply(ADMIN, "/quiz-admin", f"setup <#{CHANNEL}|quiz> 09:00 Europe/Berlin")
    slack.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN))


async def test_every_post_names_itself_in_its_metadata(slack: SlackHarness) -> None:
    await setup_daily(slack)
    await slack.tick()
    [post] = slack.fake.calls_to("chat.postMessage")
    _, message = slack.last_post()
    assert message["metadata"] == {
        "event_type": "quizbot_post",
        "event_payload": {"post_id": buttons(message).post_id},
    }
    assert post["channel"] == CHANNEL


async def test_a_daily_whose_answer_was_lost_is_found_after_a_restart(slack: SlackHarness) -> None:
    await setup_daily(slack)
    # Slack posts it but the answer never arrives (as if the app died right then).
    slack.fake.lose_next("chat.postMessage")
    await slack.tick()
    assert len(slack.fake.channel_messages(CHANNEL)) == 1
    await slack.restart()
    slack.clock.advance(seconds=10)

    await slack.catch_up()

    [message] = slack.fake.channel_messages(CHANNEL)
    post = await slack.post(buttons(message).post_id)
    assert post.message_id == message["ts"]
    assert post.is_delivered
    assert slack.fake.calls_to("conversations.history")[-1]["include_all_metadata"] in (
        "1",
        "true",
        True,
    )
    assert len(slack.fake.calls_to("chat.postMessage")) == 1, "found, not posted again"


async def test_a_rate_limited_reveal_waits_as_slack_asks_then_closes_the_post(
    slack: SlackHarness,
) -> None:
    await slack.command(ALICE, "/quiz", "entry")
    ts, message = slack.last_post()
    post_id = buttons(message).post_id
    slack.fake.failing[CHANNEL] = "ratelimited"
    slack.fake.retry_after = 30
    slack.clock.advance(seconds=60)
    await slack.reveal(post_id)
    assert buttons(slack.fake.message(CHANNEL, ts)).action_ids != []
    next_try = await slack.store.next_delivery_at("slack")
    assert next_try is not None
    assert (next_try - slack.clock.now()).total_seconds() == 30

    del slack.fake.failing[CHANNEL]
    slack.clock.advance(seconds=30)
    await slack.scheduler.deliver_due()
    revealed = slack.fake.message(CHANNEL, ts)
    assert answer_ids(revealed) == []
    assert "0 answered" in all_text(revealed)


async def test_a_reveal_interrupted_by_an_outage_and_a_restart_still_closes_the_post(
    slack: SlackHarness,
) -> None:
    await slack.command(ALICE, "/quiz", "entry")
    ts, message = slack.last_post()
    post_id = buttons(message).post_id
    slack.fake.failing[CHANNEL] = "service_unavailable"
    slack.clock.advance(seconds=60)
    await slack.reveal(post_id)
    await slack.restart()
    del slack.fake.failing[CHANNEL]
    slack.clock.advance(minutes=1)

    await slack.catch_up()

    assert answer_ids(slack.fake.message(CHANNEL, ts)) == []
    assert "Last error: none" in await slack.reply(ADMIN, "/quiz-admin", "status")


async def test_a_refused_reveal_is_shown_in_status(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/quiz", "entry")
    _, message = slack.last_post()
    slack.fake.failing[CHANNEL] = "channel_not_found"
    slack.clock.advance(seconds=60)
    await slack.reveal(buttons(message).post_id)
    status = await slack.reply(ADMIN, "/quiz-admin", "status")
    assert "Last error: Could not show a reveal" in status
    assert "channel_not_found" in status


async def test_a_draw_slack_did_not_confirm_is_found_and_goes_live(slack: SlackHarness) -> None:
    slack.fake.lose_next("chat.postMessage")
    [reply] = await slack.command(ALICE, "/quiz", "entry")
    assert reply["text"].startswith("Slack did not confirm your question")
    [message] = slack.fake.channel_messages(CHANNEL)
    post_id = buttons(message).post_id
    await slack.click(BOB, buttons(message).action_ids[0], ts=message["ts"])
    assert "is in" in slack.fake.ephemerals(BOB)[-1], "answers count meanwhile"

    slack.clock.advance(minutes=2)  # the handler's hold on the delivery lapses
    await slack.scheduler.deliver_due()

    post = await slack.post(post_id)
    assert post.message_id == message["ts"]
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    await slack.reveal(post_id)
    assert answer_ids(slack.fake.message(CHANNEL, message["ts"])) == []
    with closing(sqlite3.connect(slack.db)) as conn, conn:
        statuses = conn.execute("SELECT kind, status FROM deliveries").fetchall()
    assert statuses == [("post", "done"), ("reveal", "done")]


async def test_without_the_history_scopes_a_retry_still_posts(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_daily(slack)
    slack.fake.method_errors["conversations.history"] = "missing_scope"
    slack.fake.failing[CHANNEL] = "service_unavailable"
    await slack.tick()
    del slack.fake.failing[CHANNEL]
    slack.clock.advance(seconds=5)
    await slack.scheduler.deliver_due()
    [message] = slack.fake.channel_messages(CHANNEL)
    post = await slack.post(buttons(message).post_id)
    assert post.is_delivered, "posted rather than given up"
    assert "add channels:history and groups:history" in caplog.text


async def test_a_post_whose_question_left_the_packs_loses_its_buttons(
    slack: SlackHarness,
) -> None:
    await slack.command(ALICE, "/quiz", "entry")
    ts, message = slack.last_post()
    post_id = buttons(message).post_id
    assert buttons(message).action_ids != []
    post = await slack.post(post_id)
    # The packs were reloaded without this question before its reveal.
    others = [q for q in slack.service.bank if q.id != post.question_id]
    slack.service.engine.bank = QuestionBank(others)
    slack.clock.advance(seconds=60)
    await slack.reveal(post_id)

    closed = slack.fake.message(CHANNEL, ts)
    assert buttons(closed).action_ids == [], "no live buttons are left"
    assert "Question withdrawn" in all_text(closed)
