"""Slash command parsing and Block Kit rendering, table by table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.adapters.slack_app import actions, blocks, commands
from bot.core.errors import InvalidInput
from bot.core.model import Period, RankBy
from bot.core.questions import Difficulty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", commands.DrawArgs()),
        ("expert", commands.DrawArgs(Difficulty.EXPERT)),
        ("Senior asyncio", commands.DrawArgs(Difficulty.SENIOR, "asyncio")),
        ("asyncio private mid", commands.DrawArgs(Difficulty.MID, "asyncio", True)),
        ("private", commands.DrawArgs(private=True)),
        ("help", commands.DrawArgs(help=True)),
    ],
)
def test_parse_quiz(text: str, expected: commands.DrawArgs) -> None:
    assert commands.parse_quiz(text) == expected


@pytest.mark.parametrize("text", ["mid asyncio typing", "private private x y"])
def test_parse_quiz_refuses_extra_words(text: str) -> None:
    with pytest.raises(InvalidInput, match="Unexpected"):
        commands.parse_quiz(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (Period.ALL, RankBy.POINTS)),
        ("week", (Period.WEEK, RankBy.POINTS)),
        ("streak", (Period.ALL, RankBy.STREAK)),
        ("POINTS month", (Period.MONTH, RankBy.POINTS)),
    ],
)
def test_parse_leaderboard(text: str, expected: tuple[Period, RankBy]) -> None:
    assert commands.parse_leaderboard(text) == expected


def test_parse_leaderboard_refuses_unknown_words() -> None:
    with pytest.raises(InvalidInput, match="Unexpected 'year'"):
        commands.parse_leaderboard("year")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("<@U0BOB|bob>", commands.MemberRef("U0BOB", "bob")),
        ("<@W0BOB>", commands.MemberRef("W0BOB", None)),
        ("U0BOB123", commands.MemberRef("U0BOB123", None)),
    ],
)
def test_parse_member(text: str, expected: commands.MemberRef | None) -> None:
    assert commands.parse_member(text) == expected


@pytest.mark.parametrize("text", ["bob", "<@U0BOB|bob> <@U0AL|al>", "<#C0QUIZ|quiz>"])
def test_parse_member_needs_one_mention(text: str) -> None:
    with pytest.raises(InvalidInput, match="@mention"):
        commands.parse_member(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("<#C0QUIZ|quiz>", "C0QUIZ"), ("<#G0PRIV>", "G0PRIV"), ("C0QUIZ12", "C0QUIZ12")],
)
def test_parse_channel(text: str, expected: str) -> None:
    assert commands.parse_channel(text) == expected


@pytest.mark.parametrize("text", ["#quiz", "quiz", "<@U0BOB>", "<#C0QUIZ"])
def test_parse_channel_refuses_non_channels(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a channel"):
        commands.parse_channel(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", None),
        ("<!subteam^S0DEVS|@devs>", "subteam^S0DEVS"),
        ("<!here>", "here"),
        ("<!channel|@channel>", "channel"),
        ("@here", "here"),
    ],
)
def test_parse_ping(text: str, expected: str | None) -> None:
    assert commands.parse_ping(text) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("daily:8h",), {"daily": "8h"}),
        (("draw=45s", "DAILY:1h30m"), {"draw": "45s", "daily": "1h30m"}),
    ],
)
def test_parse_reveal(args: tuple[str, ...], expected: dict[str, str]) -> None:
    assert commands.parse_reveal(args) == expected


@pytest.mark.parametrize("args", [(), ("daily",), ("daily:",), ("daily:1h", "daily:2h"), ("x:1h",)])
def test_parse_reveal_refuses_malformed_delays(args: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput):
        commands.parse_reveal(args)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", commands.AdminArgs("help")),
        ("Setup <#C1|a> 09:00 UTC", commands.AdminArgs("setup", ("<#C1|a>", "09:00", "UTC"))),
        ("days mon wed", commands.AdminArgs("days", ("mon", "wed"))),
        ("status", commands.AdminArgs("status")),
    ],
)
def test_parse_admin(text: str, expected: commands.AdminArgs) -> None:
    assert commands.parse_admin(text) == expected


@pytest.mark.parametrize(("post_id", "choice"), [(1, 0), (123456, 4)])
def test_action_ids_round_trip(post_id: int, choice: int) -> None:
    assert actions.parse_choice(actions.choice_id(post_id, choice)) == (post_id, choice)
    assert actions.parse_open(actions.open_id(post_id)) == post_id
    assert actions.parse_grade(actions.grade_id(post_id, True)) == (post_id, True)
    assert actions.parse_grade(actions.grade_id(post_id, False)) == (post_id, False)
    assert len(actions.choice_id(post_id, choice)) <= 255


def test_modal_context_round_trip_and_garbage() -> None:
    context = actions.ModalContext(7, "C0QUIZ", "http://127.0.0.1/respond/x")
    assert actions.ModalContext.load(context.dump()) == context
    with pytest.raises(InvalidInput, match="out of date"):
        actions.ModalContext.load("{not json")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt;", "&amp;lt;"),
        ("<@U1|x>", "&lt;@U1|x&gt;"),
    ],
)
def test_escape(raw: str, escaped: str) -> None:
    assert blocks.escape(raw) == escaped


def test_slack_date_has_a_fallback() -> None:
    when = datetime(2026, 11, 24, 8, 0, 30, tzinfo=UTC)
    assert blocks.slack_date(when) == (
        "<!date^1795507230^{date_short_pretty} {time}|2026-11-24 08:00 UTC>"
    )


def test_fit_never_splits_an_entity() -> None:
    text = "x" * 2995 + "&amp;&amp;"
    cut = blocks.fit(text)
    assert len(cut) <= blocks.SECTION_LIMIT
    assert cut.endswith(("x&amp;…", "x…"))
    assert blocks.fit("short") == "short"


def test_ping_text_only_for_known_forms() -> None:
    assert blocks.ping_text("subteam^S1") == "<!subteam^S1>"
    assert blocks.ping_text("here") == "<!here>"
    assert blocks.ping_text("123456") is None  # e.g. a Discord role id
