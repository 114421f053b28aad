"""Community features through real slack-bolt: suggestions, review, recap and threads."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.slack_app.community import NO_ROLES, REVIEWERS_ONLY
from bot.core.community_model import SuggestionStatus
from bot.core.questions import Difficulty
from bot.core.suggestions import SUGGESTIONS_OFF
from tests.adapters.slack_app.fake_slack import TEAM, Json
from tests.adapters.slack_app.harness import (
    ADMIN,
    ALICE,
    BOB,
    CHANNEL,
    SlackHarness,
    all_text,
    buttons,
)

REVIEW = "C0REVIEW"
BERLIN = ZoneInfo("Europe/Berlin")
GOOD = {
    "level": "expert",
    "topics": "basics",
    "prompt": "Which call schedules a coroutine to run concurrently on the running loop?",
    "correct": "asyncio.create_task(coro)",
    "wrong1": "coro() alone",
    "why1": "Calling a coroutine function only creates a coroutine object.",
    "wrong2": "asyncio.sleep(coro)",
    "why2": "sleep takes a number of seconds, not a coroutine.",
    "wrong3": "await coro inside a lambda",
    "why3": "A lambda cannot contain await.",
    "explanation": "create_task wraps the coroutine in a Task that the event loop runs.",
}


def state(values: dict[str, str]) -> Json:
    """A view_submission's state values, as Slack sends them for the form's inputs."""
    found: Json = {}
    for block_id, value in values.items():
        if block_id == "level":
            option = {"value": value, "text": {"type": "plain_text", "text": value}}
            found[block_id] = {"v": {"type": "static_select", "selected_option": option}}
        else:
            found[block_id] = {"v": {"type": "plain_text_input", "value": value}}
    return found


async def submit_form(
    slack: SlackHarness, user: str, view: Json, values: dict[str, str]
) -> dict[str, Any]:
    """Submit the suggestion modal; returns the app's ack body (errors), {} when accepted."""
    body = slack.interaction(
        "view_submission",
        user,
        {
            "view": {
                "id": "V0FORM",
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view["private_metadata"],
                "state": {"values": state(values)},
            },
            "response_urls": [],
        },
    )
    status, text = await slack.send_for_reply(body)
    assert status == 200
    reply: dict[str, Any] = json.loads(text) if text.strip() else {}
    return reply


def opened_view(slack: SlackHarness) -> Json:
    args = slack.fake.calls_to("views.open")[-1]
    view: Json = json.loads(args["view"]) if isinstance(args["view"], str) else args["view"]
    return view


async def open_suggestions(slack: SlackHarness) -> None:
    text = await slack.reply(ADMIN, "/quiz-admin", f"suggestions <#{REVIEW}|review>")
    assert text.startswith(f":white_check_mark: Suggestions now wait for review in <#{REVIEW}>.")
    assert "• Suggestions: review in <#C0REVIEW>" in text


async def test_a_suggestion_from_the_modal_to_an_approved_question(slack: SlackHarness) -> None:
    assert await slack.reply(ALICE, "/quiz", "suggest") == SUGGESTIONS_OFF
    assert await slack.reply(BOB, "/quiz-admin", f"suggestions <#{REVIEW}|r>") == (
        "Only workspace admins and owners can change the quiz settings."
    )
    await open_suggestions(slack)

    assert await slack.command(ALICE, "/quiz", "suggest") == []
    view = opened_view(slack)
    assert view["callback_id"] == "quiz:suggest"
    assert [b["block_id"] for b in view["blocks"]][:3] == ["level", "topics", "prompt"]

    errors = await submit_form(slack, ALICE, view, {**GOOD, "why2": " ", "topics": "quantum"})
    assert errors["response_action"] == "errors"
    assert errors["errors"]["why2"] == "Why wrong answer 2 is wrong: is empty"
    assert errors["errors"]["topics"].startswith("Unknown topic(s): quantum. Known topics: ")
    assert await slack.community.suggestions.pending(TEAM) == []

    assert await submit_form(slack, ALICE, view, GOOD) == {}
    assert slack.fake.ephemerals(ALICE)[-1] == (
        f"Thanks! Your question is suggestion #1; it waits for review in <#{REVIEW}>."
    )
    ts, posted = slack.last_post(REVIEW)
    assert buttons(posted).action_ids == ["quiz:sg:ok:1", "quiz:sg:edit:1", "quiz:sg:no:1"]
    assert "why not: sleep takes a number of seconds, not a coroutine." in all_text(posted)

    key = await slack.click(BOB, "quiz:sg:ok:1", channel=REVIEW, ts=ts)
    [refused] = slack.fake.responses(key)
    assert refused["text"] == REVIEWERS_ONLY
    assert (await slack.community.suggestions.pending(TEAM))[0].status is SuggestionStatus.PENDING

    await slack.click(ADMIN, "quiz:sg:ok:1", channel=REVIEW, ts=ts)
    assert slack.fake.ephemerals(ADMIN)[-1] == (
        "Approved: suggestion #1 is served here as `suggested-1`."
    )
    updated = slack.fake.message(REVIEW, ts)
    assert buttons(updated).action_ids == []
    assert "Approved by admin; served here as `suggested-1`" in all_text(updated)
    assert GOOD["correct"] not in all_text(updated), "a served key is not on show"

    seen: set[str] = set()
    while "suggested-1" not in seen:
        await slack.command(BOB, "/quiz", "expert")
        _, message = slack.last_post()
        post_id = buttons(message).post_id
        seen.add((await slack.post(post_id)).question_id)
        assert len(seen) <= 4
        await slack.scheduler.run_reveal(post_id)
        await slack.scheduler.deliver_due()  # the reveal's edit
    _, revealed = slack.last_post()
    assert "Suggested by alice" in all_text(revealed)


async def test_an_admin_edits_a_suggestion_in_the_same_modal(slack: SlackHarness) -> None:
    await open_suggestions(slack)
    await slack.command(ALICE, "/quiz", "suggest")
    await submit_form(slack, ALICE, opened_view(slack), GOOD)
    ts, _ = slack.last_post(REVIEW)

    await slack.click(ADMIN, "quiz:sg:edit:1", channel=REVIEW, ts=ts)
    view = opened_view(slack)
    assert view["title"]["text"] == "Edit suggestion #1"
    prompt = next(b for b in view["blocks"] if b["block_id"] == "prompt")
    assert prompt["element"]["initial_value"] == GOOD["prompt"]
    level = next(b for b in view["blocks"] if b["block_id"] == "level")
    assert level["element"]["initial_option"]["value"] == "expert"

    assert await submit_form(slack, ADMIN, view, {**GOOD, "level": "senior"}) == {}
    assert slack.fake.ephemerals(ADMIN)[-1] == "Suggestion #1 is updated."
    [pending] = await slack.community.suggestions.pending(TEAM)
    assert pending.question.difficulty is Difficulty.SENIOR
    assert "`senior`" in all_text(slack.fake.message(REVIEW, ts))


async def test_recap_and_threads_in_the_daily_channel(slack: SlackHarness) -> None:
    await slack.reply(ADMIN, "/quiz-admin", f"setup <#{CHANNEL}|quiz> 09:00 Europe/Berlin")
    text = await slack.reply(ADMIN, "/quiz-admin", "recap on")
    assert "• Weekly recap: on, mon 09:00 Europe/Berlin (next <!date^" in text
    assert "• Discussion in a thread of each daily reveal: on" in await slack.reply(
        ADMIN, "/quiz-admin", "threads on"
    )
    assert await slack.reply(ADMIN, "/quiz-admin", "rewards streak 3 @someone") == NO_ROLES
    refusal = await slack.reply(ADMIN, "/quiz-admin", "recap day funday")
    assert refusal == "'funday' is not a day: use mon, tue, wed, thu, fri, sat or sun."

    slack.clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN))  # Wednesday
    await slack.tick()
    daily_ts, message = slack.last_post()
    post_id = buttons(message).post_id
    right, wrong = await slack.right_and_wrong(post_id)
    await slack.click(ALICE, f"quiz:choice:{post_id}:{right}", ts=daily_ts)
    await slack.click(BOB, f"quiz:choice:{post_id}:{wrong}", ts=daily_ts)
    await slack.click(ADMIN, f"quiz:choice:{post_id}:{wrong}", ts=daily_ts)
    slack.clock.set(datetime(2026, 11, 25, 17, 0, tzinfo=BERLIN))
    await slack.tick()  # the ticker reveals what is due

    [reply] = [c for c in slack.fake.calls_to("chat.postMessage") if c.get("thread_ts")]
    assert reply["thread_ts"] == daily_ts
    question = slack.bank.get((await slack.post(post_id)).question_id)
    assert reply["text"] == f"Discuss: {question.prompt}"
    assert question.explanation in json.dumps(reply["blocks"])

    slack.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN))  # Monday
    assert slack.bot.ticker is not None
    await slack.bot.ticker.run()  # the recap is claimed and recorded
    await slack.scheduler.deliver_due()  # and posted by the delivery worker
    await slack.bot.ticker.run()
    await slack.scheduler.deliver_due()
    recaps = [c for c in slack.fake.calls_to("chat.postMessage") if "recap" in str(c["text"])]
    assert len(recaps) == 1
    text = json.dumps(recaps[0]["blocks"])
    assert "Weekly recap \\u00b7 2026-W49" in text
    assert "1. alice \\u2014" in text
    assert f"https://fake.slack.test/archives/{CHANNEL}/p{daily_ts.replace('.', '')}" in text
    assert "3 members, 3 answers" in text


async def test_community_settings_are_for_admins_and_checked_before_saving(
    slack: SlackHarness,
) -> None:
    for text in ("suggestions off", "recap on", "threads on", "community", "rewards x"):
        assert await slack.reply(BOB, "/quiz-admin", text) == (
            "Only workspace admins and owners can change the quiz settings."
        )
    slack.fake.outside.add(REVIEW)
    refused = await slack.reply(ADMIN, "/quiz-admin", f"suggestions <#{REVIEW}|review>")
    assert refused.startswith(f"I am not in <#{REVIEW}> yet: `/invite @quizbot` there")
    assert "Nothing was saved." in refused
    assert "• Suggestions: off" in refused
    needs_setup = await slack.reply(ADMIN, "/quiz-admin", "recap on")
    assert needs_setup == (
        "The weekly recap goes to the daily question's channel: run setup first to choose it."
    )
    usage = await slack.reply(ADMIN, "/quiz-admin", "threads")
    assert usage.startswith("Incomplete or extra words for `threads`.")
