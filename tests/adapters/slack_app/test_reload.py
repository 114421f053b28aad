"""`/quiz-admin reload` through real slack-bolt: workspace owners reload the packs, validated
first; admins and members are refused and nothing changes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.slack_app import replies
from bot.adapters.slack_app.mrkdwn import ZWSP
from bot.core.packs import load_bank
from bot.core.reloading import SHOWN_PROBLEMS, PackReloader
from tests.adapters.slack_app.bank import Clock
from tests.adapters.slack_app.fake_slack import FakeSlack
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
from tests.pack_files import write_broken_pack, write_pack

OTHER = "C0OTHER"
BLOCK = re.compile(r"```\n(.*)\n```", re.DOTALL)


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """The pack file the app serves: `first` and `gone` to begin with."""
    return write_pack(tmp_path / "pack.yaml", "first", "gone")


@pytest.fixture
async def slack_packs(
    fake_slack: FakeSlack, tmp_path: Path, slack_clock: Clock, pack: Path
) -> AsyncIterator[SlackHarness]:
    """The Slack side as `quizbot slack` wires it: the bank read from `pack`, reloadable."""
    harness = SlackHarness(fake_slack, tmp_path / "quiz.db", slack_clock)
    harness.bank = load_bank([pack])
    harness.reload = PackReloader([pack], harness.bank).reload_async
    await harness.open()
    yield harness
    await harness.close()


def served(slack: SlackHarness) -> list[str]:
    return sorted(q.id for q in slack.bank)


async def drawn_question(slack: SlackHarness, channel: str) -> tuple[str, int, str]:
    """The newest post in `channel`: its ts, post id and question id."""
    ts, message = slack.last_post(channel)
    post_id = buttons(message).post_id
    return ts, post_id, (await slack.post(post_id)).question_id


async def test_an_owner_reloads_a_changed_pack_and_open_posts_keep_working(
    slack_packs: SlackHarness, pack: Path
) -> None:
    slack = slack_packs
    slack.fake.primary_owners.add(CAROL)
    assert await slack.reply(ALICE, "/quiz", "junior") == (
        "No question matches junior: try another level or topic."
    )
    assert await slack.command(ALICE, "/quiz", "entry") == []
    ts, post_id, question_id = await drawn_question(slack, CHANNEL)
    assert question_id == "first"

    write_pack(pack, "first", "second")
    assert await slack.reply(CAROL, "/quiz-admin", "reload") == "Packs reloaded: 2 questions."

    assert served(slack) == ["first", "second"]
    assert await slack.command(ALICE, "/quiz", "junior", channel=OTHER) == []
    assert (await drawn_question(slack, OTHER))[2] == "second"
    # The post drawn before the reload takes answers and reveals as before.
    right, _wrong = await slack.right_and_wrong(post_id)
    await slack.click(ALICE, buttons(slack.fake.message(CHANNEL, ts)).choice(right), ts=ts)
    slack.clock.advance(seconds=60)
    await slack.reveal(post_id)
    assert "1 answered · 1 correct (100%)" in all_text(slack.fake.message(CHANNEL, ts))


async def test_an_owner_reloading_a_broken_pack_is_refused_and_the_old_set_stays(
    slack_packs: SlackHarness, pack: Path
) -> None:
    slack = slack_packs
    slack.fake.owners.add(CAROL)
    write_broken_pack(pack, 11)
    text = await slack.reply(CAROL, "/quiz-admin", "reload")

    summary, *rest = text.split("\n")
    assert summary == "Reload refused: 11 problem(s); still serving the 2 questions loaded before."
    block = BLOCK.search(text)
    assert block is not None
    lines = block[1].split("\n")
    assert len(lines) == SHOWN_PROBLEMS
    for n, line in enumerate(lines):
        assert re.match(rf"{re.escape(str(pack))}:\d+: bad-{n}: unknown difficulty", line)
    # Entities escaped and the block unbreakable: no mention, channel ping or markup works.
    assert "<" not in block[1]
    assert "&lt;@123456789012345678&gt;" in block[1]
    assert "&lt;!channel&gt;" in block[1]
    assert f"`{ZWSP}`{ZWSP}`{ZWSP}" in block[1]
    assert text.count("```") == 2
    assert rest[-1] == f"…and {11 - SHOWN_PROBLEMS} more: every problem is in the log."

    assert served(slack) == ["first", "gone"]
    assert await slack.command(ALICE, "/quiz", "entry") == []
    assert (await drawn_question(slack, CHANNEL))[2] == "first"


async def test_an_admin_who_is_not_an_owner_is_refused_and_nothing_changes(
    slack_packs: SlackHarness, pack: Path
) -> None:
    slack = slack_packs
    write_pack(pack, "first", "second")

    assert await slack.reply(ADMIN, "/quiz-admin", "reload") == replies.NOT_OWNER
    assert await slack.reply(BOB, "/quiz-admin", "reload") == replies.NOT_ADMIN
    # An owner of another workspace of the org is nobody here.
    slack.fake.owners.add(CAROL)
    slack.fake.home_team[CAROL] = "T0OTHERWS"
    assert await slack.reply(CAROL, "/quiz-admin", "reload") == replies.NOT_ADMIN
    assert served(slack) == ["first", "gone"]
    assert slack.fake.calls_to("users.info")[-1]["user"] == CAROL

    # Asked on every use: once an owner here, the same member may reload.
    del slack.fake.home_team[CAROL]
    assert await slack.reply(CAROL, "/quiz-admin", "reload") == "Packs reloaded: 2 questions."
    assert served(slack) == ["first", "second"]


async def test_reload_takes_no_words_and_is_in_the_usage(slack_packs: SlackHarness) -> None:
    slack = slack_packs
    slack.fake.owners.add(CAROL)
    refused = await slack.reply(CAROL, "/quiz-admin", "reload now")
    assert refused.startswith("Incomplete or extra words for `reload`.")
    assert "`/quiz-admin reload`" in replies.ADMIN_USAGE
    assert served(slack) == ["first", "gone"]
