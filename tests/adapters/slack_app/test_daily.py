"""Daily posts by the scheduler, streaks over days, restarts and a failing channel."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.model import PostKind
from tests.adapters.slack_app.fake_slack import TEAM
from tests.adapters.slack_app.harness import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    SlackHarness,
    all_text,
    answer_ids,
    buttons,
)

BERLIN = ZoneInfo("Europe/Berlin")


async def setup_daily(slack: SlackHarness, channel: str = CHANNEL) -> None:
    text = await slack.reply(ADMIN, "/quiz-admin", f"setup <#{channel}|quiz> 09:00 Europe/Berlin")
    assert "Saved" in text


async def test_daily_over_three_days_builds_streaks(slack: SlackHarness) -> None:
    await setup_daily(slack)
    assert "Difficulty: mid" in await slack.reply(ADMIN, "/quiz-admin", "difficulty mid")
    config = await slack.config()
    assert config is not None
    assert config.next_due_at == datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)
    # Alice is right every day; Bob is wrong on day 2; Carol skips day 2.
    plan = {ALICE: "rrr", BOB: "rwr", CAROL: "r-r"}
    for day in range(3):
        slack.clock.set(datetime(2026, 11, 24 + day, 9, 0, tzinfo=BERLIN))
        await slack.tick()
        await slack.tick()  # a second tick the same day changes nothing
        assert len(slack.fake.calls_to("chat.postMessage")) == day + 1
        ts, message = slack.last_post()
        shown = buttons(message)
        post = await slack.post(shown.post_id)
        assert post.kind is PostKind.DAILY
        assert post.local_date == f"2026-11-{24 + day}"
        assert f"Question of the day · 2026-11-{24 + day}" in all_text(message)
        right, wrong = await slack.right_and_wrong(post.post_id)
        for user, answers in plan.items():
            if answers[day] != "-":
                choice = right if answers[day] == "r" else wrong
                await slack.click(user, shown.choice(choice), ts=ts)

        slack.clock.advance(hours=8)
        await slack.tick()  # the ticker reveals what is due
        assert answer_ids(slack.fake.message(CHANNEL, ts)) == []

    assert len(slack.fake.calls_to("chat.update")) == 3
    alice = await slack.reply(ALICE, "/quiz-stats")
    assert "streak 3 (best 3)" in alice
    bob = await slack.reply(ALICE, "/quiz-stats", f"<@{BOB}|bob>")
    assert "*bob*" in bob
    assert "streak 1 (best 1)" in bob
    carol = await slack.service.stats(TEAM, CAROL)
    assert carol is not None
    assert (carol.streak, carol.best_streak) == (1, 1)
    board = await slack.reply(CAROL, "/quiz-leaderboard", "streak")
    assert board.splitlines()[1].endswith("alice — 3 days in a row")


async def test_restart_between_post_and_reveal(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/quiz", "senior")
    ts, message = slack.last_post()
    shown = buttons(message)
    right, wrong = await slack.right_and_wrong(shown.post_id)
    await slack.click(ALICE, shown.choice(right), ts=ts)
    await slack.click(BOB, shown.choice(wrong), ts=ts)

    await slack.restart()
    await slack.catch_up()  # as at boot: reveals due soon get their exact job again
    assert slack.scheduler.scheduler.get_job(f"reveal:{shown.post_id}") is not None
    await slack.click(CAROL, shown.choice(right), ts=ts)  # the old message's button
    assert "is in" in slack.fake.ephemerals(CAROL)[-1]

    slack.clock.advance(minutes=1)
    await slack.reveal(shown.post_id)
    await slack.restart()
    await slack.catch_up()
    assert slack.scheduler.scheduler.get_job(f"reveal:{shown.post_id}") is None
    await slack.reveal(shown.post_id)

    [update] = slack.fake.calls_to("chat.update")
    assert update["ts"] == ts
    assert "3 answered · 2 correct (67%)" in all_text(slack.fake.message(CHANNEL, ts))
    alice = await slack.service.stats(TEAM, ALICE)
    assert alice is not None
    assert (alice.points, alice.answered) == (4, 1)


async def test_overdue_reveal_happens_at_start(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/quiz", "entry")
    ts, _message = slack.last_post()
    await slack.restart()
    slack.clock.advance(minutes=10)

    await slack.catch_up()  # overdue: revealed at once

    assert len(slack.fake.calls_to("chat.update")) == 1
    assert answer_ids(slack.fake.message(CHANNEL, ts)) == []


async def test_restart_on_the_day_of_a_daily_keeps_it_open(slack: SlackHarness) -> None:
    await setup_daily(slack)
    await slack.tick()
    _ts, message = slack.last_post()
    await slack.restart()
    slack.clock.advance(hours=1)

    await slack.catch_up()  # catches up on a missed daily: there is none

    assert (await slack.post(buttons(message).post_id)).is_open
    assert slack.fake.calls_to("chat.update") == []


async def test_failing_channel_is_shown_in_status_and_retried(slack: SlackHarness) -> None:
    await setup_daily(slack, "C0GONE")
    slack.fake.failing["C0GONE"] = "channel_not_found"  # deleted after setup

    await slack.tick()

    assert slack.fake.calls_to("chat.postMessage")[0]["channel"] == "C0GONE"
    assert slack.fake.messages == {}
    assert await slack.service.due_reveals() == []
    status = await slack.reply(ADMIN, "/quiz-admin", "status")
    assert "Last error: Could not post the daily question" in status
    assert "channel_not_found" in status

    del slack.fake.failing["C0GONE"]
    slack.clock.advance(minutes=30)
    text = await slack.reply(ADMIN, "/quiz-admin", "postnow")  # retried next time, or now
    assert "Posted today's question" in text
    assert len(slack.fake.messages) == 1
    assert "Last error: none" in await slack.reply(ADMIN, "/quiz-admin", "status")


async def test_postnow_reports_a_failing_channel(slack: SlackHarness) -> None:
    slack.fake.failing["C0GONE"] = "not_in_channel"
    await setup_daily(slack, "C0GONE")
    slack.clock.set(datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN))

    text = await slack.reply(ADMIN, "/quiz-admin", "postnow")

    assert text.startswith("Could not post the daily question: ")
    assert "not_in_channel" in text
    assert slack.fake.messages == {}


async def test_postnow_posts_once(slack: SlackHarness) -> None:
    await setup_daily(slack)
    slack.clock.set(datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN))

    first = await slack.reply(ADMIN, "/quiz-admin", "postnow")
    second = await slack.reply(ADMIN, "/quiz-admin", "postnow")

    assert f"Posted today's question in <#{CHANNEL}>" in first
    assert "already posted" in second
    [post] = await slack.service.due_reveals()
    assert post.reveal_at - post.posted_at == timedelta(hours=8)
    assert post.is_delivered
