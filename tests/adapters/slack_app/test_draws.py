"""Draws through real slack-bolt: buttons, ephemeral receipts, reveals by chat.update."""

from __future__ import annotations

import re

import pytest

from bot.adapters.slack_app import replies
from bot.adapters.slack_app.mrkdwn import ZWSP
from bot.core.model import BoardEntry, Leaderboard, Period, PostView, RankBy
from tests.adapters.slack_app.fake_slack import TEAM
from tests.adapters.slack_app.harness import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    SlackHarness,
    all_text,
    answer_ids,
    buttons,
)

HINTS = re.compile(r"correct|right|wrong|not quite|white_check_mark|:tada:", re.IGNORECASE)


async def letter(slack: SlackHarness, post_id: int, index: int) -> str:
    post = await slack.post(post_id)
    return PostView(post, slack.bank.get(post.question_id)).letter_of(index)


async def test_draw_answered_by_three_then_revealed(slack: SlackHarness) -> None:
    assert await slack.command(ALICE, "/quiz", "mid") == []
    ts, message = slack.last_post()
    shown = buttons(message)
    post_id = shown.post_id
    assert len(shown.action_ids) == 4
    assert "reveals <!date^" in all_text(message)
    assert slack.scheduler.scheduler.get_job(f"reveal:{post_id}") is not None
    right, wrong = await slack.right_and_wrong(post_id)

    await slack.click(ALICE, shown.choice(right), ts=ts)
    await slack.click(BOB, shown.choice(wrong), ts=ts)
    await slack.click(CAROL, shown.choice(wrong), ts=ts)
    await slack.click(CAROL, shown.choice(right), ts=ts)  # changed: the last answer counts

    right_letter, wrong_letter = (
        await letter(slack, post_id, right),
        await letter(slack, post_id, wrong),
    )
    [alice_ack] = slack.fake.ephemerals(ALICE)
    assert f"*{right_letter}*" in alice_ack
    [bob_ack] = slack.fake.ephemerals(BOB)
    assert f"*{wrong_letter}*" in bob_ack
    carol_acks = slack.fake.ephemerals(CAROL)
    assert len(carol_acks) == 2
    for ack in [alice_ack, bob_ack, *carol_acks]:
        assert HINTS.search(ack) is None, ack
        assert "<!date^" in ack
    assert alice_ack.replace(f"*{right_letter}*", "?") == bob_ack.replace(f"*{wrong_letter}*", "?")
    assert slack.fake.calls_to("chat.update") == []

    slack.clock.advance(seconds=60)
    await slack.reveal(post_id)
    await slack.reveal(post_id)  # a second run changes nothing

    [update] = slack.fake.calls_to("chat.update")
    assert (update["channel"], update["ts"]) == (CHANNEL, ts)
    revealed = slack.fake.message(CHANNEL, ts)
    assert answer_ids(revealed) == []
    text = all_text(revealed)
    assert re.search(rf":white_check_mark: \*{right_letter}\) [^\n]* — 2", text)
    assert re.search(rf"{wrong_letter}\) [^\n]* — 1", text)
    assert "3 answered · 2 correct (67%)" in text
    assert "*Answer*" in text
    question = slack.bank.get((await slack.post(post_id)).question_id)
    assert question.explanation in text

    alice = await slack.service.stats(TEAM, ALICE)
    bob = await slack.service.stats(TEAM, BOB)
    carol = await slack.service.stats(TEAM, CAROL)
    assert alice is not None
    assert bob is not None
    assert carol is not None
    assert (alice.points, bob.points, carol.points) == (3, 0, 3)
    assert (alice.streak, carol.streak) == (0, 0), "draws never touch streaks"

    board = await slack.reply(BOB, "/quiz-leaderboard", "all points")
    assert "alice — 3 points" in board
    assert "carol — 3 points" in board
    assert "\n3. bob — 0 points" in board, "answered, scored 0: on the board, without a medal"
    assert "_You" not in board, "the caller is listed already"

    await slack.click(BOB, shown.choice(right), ts=ts)
    assert "already been revealed" in slack.fake.ephemerals(BOB)[-1]
    bob = await slack.service.stats(TEAM, BOB)
    assert bob is not None
    assert bob.points == 0


async def test_one_open_draw_per_channel(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/quiz")
    text = await slack.reply(BOB, "/quiz", "expert")

    assert "already open" in text
    assert "<!date^" in text
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert len(await slack.service.due_reveals()) == 1


async def test_private_practice_is_ephemeral_and_reveals_on_answer(slack: SlackHarness) -> None:
    [response] = await slack.command(BOB, "/quiz", "private junior")
    assert response["response_type"] == "ephemeral"
    assert slack.fake.calls_to("chat.postMessage") == []
    shown = buttons(response)
    right, _ = await slack.right_and_wrong(shown.post_id)

    key = await slack.click(BOB, shown.choice(right), ephemeral=True)

    [revealed] = slack.fake.responses(key)
    assert revealed["replace_original"] is True
    assert buttons(revealed).action_ids == []
    assert "right! :tada:" in all_text(revealed)
    assert await slack.service.stats(TEAM, BOB) is None, "practice scores nothing"
    assert slack.fake.calls_to("chat.update") == []


async def test_open_question_answered_in_a_modal_then_self_graded(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/quiz", "design")
    ts, message = slack.last_post()
    [answer_button] = buttons(message).action_ids
    post_id = buttons(message).post_id

    await slack.click(ALICE, answer_button, ts=ts)
    [opened] = slack.fake.calls_to("views.open")
    assert opened["trigger_id"].startswith("trigger-")
    await slack.submit(ALICE, opened["view"], "It depends <!channel> & more")

    [ack] = slack.fake.ephemerals(ALICE)
    assert "Your answer is in" in ack
    assert HINTS.search(ack) is None

    slack.clock.advance(minutes=1)
    await slack.reveal(post_id)
    revealed = slack.fake.message(CHANNEL, ts)
    got, missed, why = buttons(revealed).action_ids
    assert why == f"quiz:why:{post_id}"
    assert "1 answered" in all_text(revealed)

    await slack.click(BOB, got, ts=ts)
    assert "Only members who answered" in slack.fake.ephemerals(BOB)[-1]
    await slack.click(ALICE, got, ts=ts)
    assert "you got it" in slack.fake.ephemerals(ALICE)[-1]
    await slack.click(ALICE, missed, ts=ts)
    assert (
        "Only members who answered before the reveal can grade, once"
        in (slack.fake.ephemerals(ALICE)[-1])
    )
    alice = await slack.service.stats(TEAM, ALICE)
    assert alice is not None
    assert (alice.points, alice.correct) == (0, 1), "self-grades score only where allowed"


async def test_answer_button_after_reveal_opens_no_modal(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/quiz", "design")
    ts, message = slack.last_post()
    slack.clock.advance(minutes=5)
    await slack.reveal(buttons(message).post_id)

    await slack.click(BOB, buttons(message).action_ids[0], ts=ts)

    assert slack.fake.calls_to("views.open") == []
    assert "already been revealed" in slack.fake.ephemerals(BOB)[-1]


async def test_pack_and_member_text_cannot_ping(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/quiz", "escaping")
    [call] = slack.fake.calls_to("chat.postMessage")
    assert not call.get("link_names")
    ts, message = slack.last_post()
    text = all_text(message) + str(message["text"])
    for raw in ("<!channel>", "<@U0ALICE>", "<https://", "<!here>", "<#C0QUIZ>"):
        assert raw not in text
    assert "Does &lt;!channel&gt; &amp; &lt;@U0ALICE&gt; ping anyone?" in text

    evil = "U0EVIL"
    shown = buttons(message)
    right, _ = await slack.right_and_wrong(shown.post_id)
    body = slack.interaction(
        "block_actions",
        evil,
        {
            "user": {"id": evil, "username": "<!here> & co", "team_id": TEAM},
            "channel": {"id": CHANNEL},
            "container": {"type": "message", "is_ephemeral": False},
            "response_url": slack.fake.response_url("evil"),
            "actions": [{"type": "button", "action_id": shown.choice(right), "value": "x"}],
        },
    )
    assert await slack.send(body) == 200
    slack.clock.advance(minutes=1)
    await slack.reveal(shown.post_id)
    assert "<!" not in all_text(slack.fake.message(CHANNEL, ts)).replace("<!date^", "")

    board = await slack.reply(ALICE, "/quiz-leaderboard")
    assert "&lt;!here&gt; &amp; co — 1 point" in board
    assert "<!here>" not in board


async def test_draw_in_a_channel_without_the_bot(slack: SlackHarness) -> None:
    slack.fake.failing["C0LOCKED"] = "not_in_channel"

    [response] = await slack.command(ALICE, "/quiz", channel="C0LOCKED")

    assert "/invite @quizbot" in response["text"]
    assert response["response_type"] == "ephemeral"
    assert await slack.service.due_reveals() == [], "the undelivered draw is forgotten"
    [again] = await slack.command(ALICE, "/quiz", channel="C0LOCKED")
    assert "already open" not in again["text"]


async def test_unknown_topic_and_bad_words_are_explained(slack: SlackHarness) -> None:
    assert "Unknown topic 'nosuch'" in await slack.reply(ALICE, "/quiz", "nosuch")
    assert "Unexpected 'extra'" in await slack.reply(ALICE, "/quiz", "mid basics extra")
    assert replies.QUIZ_USAGE in await slack.reply(ALICE, "/quiz", "help")
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_private_open_question_is_answered_in_place(slack: SlackHarness) -> None:
    [response] = await slack.command(CAROL, "/quiz", "private design")
    [answer_button] = buttons(response).action_ids
    key = await slack.click(CAROL, answer_button, ephemeral=True)
    [opened] = slack.fake.calls_to("views.open")

    await slack.submit(CAROL, opened["view"], "Composition <b>over</b> inheritance")

    [revealed] = slack.fake.responses(key)
    assert revealed["replace_original"] is True
    text = all_text(revealed)
    assert "You answered: _Composition &lt;b&gt;over&lt;/b&gt; inheritance_" in text
    assert "The answer to open-one" in text
    assert buttons(revealed).action_ids == [], "practice is not graded"
    assert slack.fake.calls_to("chat.postEphemeral") == []


async def test_unexpected_failure_is_logged_and_apologised_for(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fake.failing["C0BROKEN"] = "invalid_blocks"  # a refusal the app does not expect

    [response] = await slack.command(ALICE, "/quiz", channel="C0BROKEN")

    assert response["text"] == replies.APOLOGY
    assert response["response_type"] == "ephemeral"
    [record] = [r for r in caplog.records if r.getMessage() == "slack /quiz failed"]
    assert record.exc_info is not None
    assert await slack.service.due_reveals() == [], "the draw that was never shown is gone"


async def test_quiz_topics_lists_every_topic_with_its_description(slack: SlackHarness) -> None:
    text = await slack.reply(ALICE, "/quiz", "topics")
    assert text.startswith("*Topics*")
    for topic in slack.service.bank.counts_by_topic():
        assert f"• `{topic}` (" in text
    assert not slack.fake.calls_to("chat.postMessage"), "nothing is drawn"


def test_a_name_with_markup_shows_literally_on_the_board() -> None:
    board = Leaderboard(
        Period.ALL, RankBy.POINTS, [BoardEntry(1, "U1", "*bold*_it_ `x` <@U2>", 3)], None
    )
    line = replies.board(board).splitlines()[1]
    visible = line.replace(ZWSP, "")
    assert "*bold*_it_ `x` &lt;@U2&gt;" in visible, "every character is still there"
    # Slack has no escape character: a zero-width space before a marker disarms it.
    name = line.split(" ", 1)[1].split(" — ")[0]  # after the medal emoji
    assert all(name[i - 1] == ZWSP for i, ch in enumerate(name) if ch in "*_`"), name
