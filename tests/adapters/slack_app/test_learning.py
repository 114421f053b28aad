"""Fair play, the learning loop and moderation through real slack-bolt with signed requests."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.slack_app import replies
from bot.core.learning import EXCLUDED
from bot.core.reviewing import NOT_ANSWERED
from bot.scheduling import reminders_job_id
from tests.adapters.slack_app.fake_slack import TEAM
from tests.adapters.slack_app.harness import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    SlackHarness,
    all_text,
    buttons,
)


async def test_why_was_i_wrong_is_private_and_per_member(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/quiz", "mid")
    ts, message = slack.last_post()
    shown = buttons(message)
    right, wrong = await slack.right_and_wrong(shown.post_id)
    await slack.click(ALICE, shown.choice(right), ts=ts)
    await slack.click(BOB, shown.choice(wrong), ts=ts)
    slack.clock.advance(minutes=1)
    await slack.scheduler.run_reveal(shown.post_id)
    await slack.scheduler.deliver_due()  # the reveal's edit goes out through the outbox
    why = f"quiz:why:{shown.post_id}"
    assert buttons(slack.fake.message(CHANNEL, ts)).action_ids == [why]

    await slack.restart()  # the button carries its post: it outlives the process
    for user in (ALICE, BOB, CAROL):
        await slack.click(user, why, ts=ts)
    alice, bob, carol = (slack.fake.ephemerals(u)[-1] for u in (ALICE, BOB, CAROL))
    assert "You answered *" in alice
    assert "and that is right." in alice
    assert ":x: You answered *" in bob
    assert f"not {wrong}" in bob, "the pack's note on the choice Bob picked"
    assert "Why " in bob
    assert carol == NOT_ANSWERED


async def test_practice_never_serves_the_open_daily_and_says_why(slack: SlackHarness) -> None:
    slack.clock.set(datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    await slack.reply(ADMIN, "/quiz-admin", f"setup <#{CHANNEL}|quiz> 09:00 UTC")
    await slack.reply(ADMIN, "/quiz-admin", "difficulty mid")
    await slack.reply(ADMIN, "/quiz-admin", "postnow")
    _, daily_message = slack.last_post()
    daily = await slack.post(buttons(daily_message).post_id)
    for _ in range(6):
        [response] = await slack.command(BOB, "/quiz", "mid private")
        practice = await slack.post(buttons(response).post_id)
        assert practice.question_id != daily.question_id
    shown = buttons(response)
    _, wrong = await slack.right_and_wrong(shown.post_id)
    key = await slack.click(BOB, shown.choice(wrong), ephemeral=True)
    [revealed] = slack.fake.responses(key)
    assert "*Why not " in all_text(revealed)
    assert f"not {wrong}" in all_text(revealed)


async def test_review_stats_and_a_reminder_by_direct_message(slack: SlackHarness) -> None:
    await slack.reply(ADMIN, "/quiz-admin", f"setup <#{CHANNEL}|quiz> 09:00 UTC")
    assert await slack.reply(ALICE, "/quiz", "review") == (
        "Nothing to review yet: answer some questions first."
    )
    await slack.command(BOB, "/quiz", "mid")
    ts, message = slack.last_post()
    shown = buttons(message)
    right, wrong = await slack.right_and_wrong(shown.post_id)
    await slack.click(ALICE, shown.choice(wrong), ts=ts)
    slack.clock.advance(minutes=1)
    await slack.scheduler.run_reveal(shown.post_id)
    assert (await slack.reply(ALICE, "/quiz", "review")).startswith(
        "Nothing due for review. The next one is due <!date^"
    )
    assert (await slack.reply(ALICE, "/quiz", "review remind on")).startswith(
        "Review reminders are on"
    )
    assert "neither on nor off" in await slack.reply(ALICE, "/quiz", "review remind later")

    slack.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    job = slack.scheduler.scheduler.get_job(reminders_job_id("slack"))
    assert job is not None
    await job.func(*job.args)
    [dm] = [c for c in slack.fake.calls_to("chat.postMessage") if c["channel"] == ALICE]
    assert dm["text"].startswith("1 question is due for your spaced review.")

    stats = await slack.reply(ALICE, "/quiz-stats")
    assert "Reviews due: 1 (`/quiz review`)" in stats
    assert "Weakest topics: not enough answers yet (3 per topic)" in stats
    assert "Streak savers: 0 held" in stats

    [served] = await slack.command(ALICE, "/quiz", "review")
    assert served["response_type"] == "ephemeral"
    assert "*Review* · only you see it · no points" in all_text(served)
    review = buttons(served)
    assert (await slack.post(review.post_id)).question_id == (
        await slack.post(shown.post_id)
    ).question_id
    key = await slack.click(ALICE, review.choice(right), ephemeral=True)
    [result] = slack.fake.responses(key)
    assert "right! :tada:" in all_text(result)
    alice = await slack.service.stats(TEAM, ALICE)
    assert alice is not None
    assert (alice.answered, alice.points) == (1, 0), "a review changes no stats"


async def test_moderation_and_audit_for_workspace_admins_only(slack: SlackHarness) -> None:
    assert await slack.reply(BOB, "/quiz-admin", "selfgrade on") == replies.NOT_ADMIN
    assert await slack.reply(BOB, "/quiz-admin", "audit") == replies.NOT_ADMIN
    assert "now score points" in await slack.reply(ADMIN, "/quiz-admin", "selfgrade on")
    excluded = await slack.reply(ADMIN, "/quiz-admin", f"member <@{BOB}|bob> exclude")
    assert excluded.startswith("bob is excluded")

    await slack.command(ALICE, "/quiz", "mid")
    ts, message = slack.last_post()
    shown = buttons(message)
    right, _ = await slack.right_and_wrong(shown.post_id)
    await slack.click(BOB, shown.choice(right), ts=ts)
    assert slack.fake.ephemerals(BOB)[-1] == EXCLUDED
    assert "included again" in await slack.reply(ADMIN, "/quiz-admin", f"member <@{BOB}> include")
    await slack.click(BOB, shown.choice(right), ts=ts)
    slack.clock.advance(minutes=1)
    await slack.scheduler.run_reveal(shown.post_id)

    [prompt] = await slack.command(ADMIN, "/quiz-admin", f"member <@{BOB}|bob> forget")
    assert prompt["response_type"] == "ephemeral"
    assert "Forget bob? This deletes every row about them" in all_text(prompt)
    [confirm] = buttons(prompt).action_ids
    assert confirm == f"quiz:forget:{BOB}"
    key = await slack.click(CAROL, confirm, ephemeral=True)
    assert slack.fake.responses(key)[-1]["text"] == replies.NOT_ADMIN
    assert (await slack.service.stats(TEAM, BOB)) is not None
    key = await slack.click(ADMIN, confirm, ephemeral=True)
    [done] = slack.fake.responses(key)
    assert done["replace_original"] is True
    assert done["text"].startswith(":white_check_mark: Forgotten: deleted 1 answer(s)")
    assert (await slack.service.stats(TEAM, BOB)) is None

    audit = await slack.reply(ADMIN, "/quiz-admin", "audit")
    lines = audit.splitlines()
    assert lines[0] == "*Audit log · last 20*"
    assert [line.split(" · ")[2] for line in lines[1:]] == [
        "*forget*",
        "*include*",
        "*exclude*",
        "*selfgrade*",
    ]
    assert "Unknown admin command" not in await slack.reply(ADMIN, "/quiz-admin", "member x ban")
    assert "is not a member action" in await slack.reply(
        ADMIN, "/quiz-admin", f"member <@{BOB}> ban"
    )
    assert "Incomplete or extra words" in await slack.reply(ADMIN, "/quiz-admin", "member")
