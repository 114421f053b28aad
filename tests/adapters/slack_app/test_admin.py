"""`/quiz-admin` through real slack-bolt: permissions, signatures and bad input change nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest

from bot.adapters.slack_app import replies
from bot.core.model import PostKind
from tests.adapters.slack_app.fake_slack import TEAM
from tests.adapters.slack_app.harness import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    SlackHarness,
)

SETUP = f"setup <#{CHANNEL}|quiz> 09:00 Europe/Berlin"

ADMIN_COMMANDS = [
    "setup <#C0OTHER|other> 10:00 UTC",
    "reveal daily:1h draw:30s",
    "difficulty expert",
    "days mon-fri",
    "ping <!here>",
    "pause",
    "resume",
    "postnow",
    "status",
    "setup",  # malformed: still refused for the permission, not the shape
    "explode",
]


async def snapshot(slack: SlackHarness) -> tuple[object, ...]:
    return (
        await slack.config(),
        len(slack.fake.calls_to("chat.postMessage")),
        len(await slack.service.due_reveals()),
    )


@pytest.mark.parametrize("text", ADMIN_COMMANDS)
async def test_non_admin_is_refused_and_nothing_changes(slack: SlackHarness, text: str) -> None:
    await slack.reply(ADMIN, "/quiz-admin", SETUP)
    before = await snapshot(slack)

    reply = await slack.reply(BOB, "/quiz-admin", text)

    assert reply == replies.NOT_ADMIN
    assert await snapshot(slack) == before
    assert slack.fake.calls_to("users.info")[-1]["user"] == BOB


async def test_admin_is_checked_on_every_use(slack: SlackHarness) -> None:
    slack.fake.owners.add(CAROL)
    assert "Quiz settings" in await slack.reply(CAROL, "/quiz-admin", "status")
    slack.fake.owners.discard(CAROL)
    assert await slack.reply(CAROL, "/quiz-admin", "status") == replies.NOT_ADMIN


async def test_an_admin_of_another_workspace_is_not_an_admin_here(slack: SlackHarness) -> None:
    await slack.reply(ADMIN, "/quiz-admin", SETUP)
    before = await snapshot(slack)
    slack.fake.owners.add(CAROL)
    slack.fake.home_team[CAROL] = "T0OTHERWS"  # an owner there, a guest here
    assert await slack.reply(CAROL, "/quiz-admin", "pause") == replies.NOT_ADMIN
    assert await snapshot(slack) == before


async def test_help_needs_no_permission(slack: SlackHarness) -> None:
    assert await slack.reply(BOB, "/quiz-admin") == replies.ADMIN_USAGE
    assert await slack.reply(BOB, "/quiz-admin", "help") == replies.ADMIN_USAGE
    assert slack.fake.calls_to("users.info") == []


@pytest.mark.parametrize(
    ("secret", "age_s", "tamper"),
    [
        ("not-the-signing-secret", 0, False),
        (None, 6 * 60, False),  # replayed: older than five minutes
        (None, 0, True),  # body changed after signing
    ],
)
async def test_badly_signed_request_is_rejected(
    slack: SlackHarness, secret: str | None, age_s: int, tamper: bool
) -> None:
    body, _key = slack.command_body(ADMIN, "/quiz-admin", SETUP, CHANNEL)
    if tamper:
        signed, _ = slack.command_body(ADMIN, "/quiz-admin", "status", CHANNEL)
        status = await slack.send_signed_for(signed, body)
    elif secret is not None:
        status = await slack.send(body, secret=secret)
    else:
        status = await slack.send(body, age_s=age_s)

    assert status == 401
    assert slack.fake.calls == []
    assert await slack.config() is None


async def test_unsigned_request_is_rejected(slack: SlackHarness) -> None:
    body = urlencode({"command": "/quiz", "text": "", "team_id": TEAM})
    assert await slack.send_unsigned(body) == 401
    assert slack.fake.calls == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"setup <#{CHANNEL}|quiz> 25:99 Europe/Berlin", "'25:99' is not a valid time"),
        (f"setup <#{CHANNEL}|quiz> 9h30 Europe/Berlin", "'9h30' is not a time"),
        (f"setup <#{CHANNEL}|quiz> 09:00 Mars/Base", "'Mars/Base' is not a known time zone"),
        ("setup quiz 09:00 UTC", "'quiz' is not a channel"),
        (f"setup <#{CHANNEL}|quiz> 09:00", "Incomplete or extra words for `setup`"),
        ("reveal daily:30s", "The daily reveal delay must be between 1m and 23h"),
        ("reveal daily:24h", "The daily reveal delay must be between 1m and 23h"),
        ("reveal draw:2h", "The draw reveal delay must be between 10s and 1h"),
        ("reveal daily:2h draw:5s", "The draw reveal delay must be between 10s and 1h"),
        ("reveal daily:soon", "'soon' is not a duration"),
        ("reveal weekly:1h", "'weekly:1h' is not a reveal delay"),
        ("difficulty impossible", "'impossible' is not a difficulty"),
        ("days funday", "'funday' is not a day"),
        ("ping <@U0ALICE|alice>", "is not something I can mention"),
        ("pause now", "Incomplete or extra words for `pause`"),
        ("explode", "Unknown admin command 'explode'"),
    ],
)
async def test_bad_admin_input_is_explained_and_changes_nothing(
    slack: SlackHarness, text: str, message: str
) -> None:
    await slack.reply(ADMIN, "/quiz-admin", SETUP)
    before = await snapshot(slack)

    reply = await slack.reply(ADMIN, "/quiz-admin", text)

    assert message in reply.replace("&lt;", "<").replace("&gt;", ">")
    assert await snapshot(slack) == before


async def test_settings_round_trip(slack: SlackHarness) -> None:
    status = await slack.reply(ADMIN, "/quiz-admin", SETUP)
    assert f"• Channel: <#{CHANNEL}>" in status
    assert "• Time: 09:00 Europe/Berlin on every day" in status
    assert "• Next post: <!date^" in status

    status = await slack.reply(ADMIN, "/quiz-admin", "reveal daily:2h draw:30s")
    assert "• Reveal: daily after 2h, draws after 30s" in status
    status = await slack.reply(ADMIN, "/quiz-admin", "difficulty ramp")
    assert "• Difficulty: ramp" in status
    status = await slack.reply(ADMIN, "/quiz-admin", "days mon,wed,fri")
    assert "on mon,wed,fri" in status
    config = await slack.config()
    assert config is not None
    assert config.next_due_at is not None
    assert config.next_due_at.weekday() == 2, "Tuesday is off: Wednesday 09:00 next"

    status = await slack.reply(ADMIN, "/quiz-admin", "pause")
    assert "• Paused: yes" in status
    assert "• Next post: not scheduled" in status
    config = await slack.config()
    assert config is not None
    assert config.next_due_at is None
    await slack.reply(ADMIN, "/quiz-admin", "resume")
    config = await slack.config()
    assert config is not None
    assert config.next_due_at is not None

    status = await slack.reply(ADMIN, "/quiz-admin", "ping <!subteam^S0DEVS|@devs>")
    assert "• Mentions: user group `S0DEVS`" in status
    await slack.reply(ADMIN, "/quiz-admin", "postnow")
    _, message = slack.last_post()
    assert message["blocks"][0]["text"]["text"] == "<!subteam^S0DEVS>"
    assert message["text"].startswith("<!subteam^S0DEVS> Question of the day")
    status = await slack.reply(ADMIN, "/quiz-admin", "ping none")
    assert "• Mentions: nobody" in status

    await slack.command(ALICE, "/quiz", "entry")
    kinds = {post.kind: post for post in await slack.service.due_reveals()}
    assert kinds[PostKind.DRAW].reveal_at - kinds[PostKind.DRAW].posted_at == timedelta(seconds=30)
    assert kinds[PostKind.DAILY].reveal_at - kinds[PostKind.DAILY].posted_at == timedelta(hours=2)


@pytest.mark.parametrize(
    ("situation", "says"),
    [
        ("outside", "I am not in <#C0ELSE> yet: `/invite @quizbot` there, then run setup again."),
        ("private", "I can't see <#C0ELSE>: if it is a private channel, invite me first"),
        ("unknown", "I can't see <#C0ELSE>"),
    ],
)
async def test_setup_refuses_a_channel_the_bot_cannot_post_in(
    slack: SlackHarness, situation: str, says: str
) -> None:
    if situation == "outside":
        slack.fake.outside.add("C0ELSE")
    elif situation == "private":
        slack.fake.private.add("C0ELSE")
        slack.fake.outside.add("C0ELSE")
    else:
        slack.fake.failing["C0ELSE"] = "channel_not_found"
    before = await slack.service.config(TEAM)
    text = await slack.reply(ADMIN, "/quiz-admin", "setup <#C0ELSE|else> 09:00 UTC")
    assert says in text
    assert "Nothing was saved." in text
    assert "Saved." not in text.replace("Nothing was saved.", "")
    assert await slack.service.config(TEAM) == before
