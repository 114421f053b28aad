"""Leaderboards as each platform prints them, where a member answered but scored nothing,
or has no streak running."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.adapters.console import render as console
from bot.adapters.discord_app import render as discord_render
from bot.adapters.slack_app import replies as slack
from bot.core.model import BoardEntry, Leaderboard, Period, RankBy

ALICE, BOB = BoardEntry(1, "u1", "Alice", 3), BoardEntry(2, "u2", "Bob", 0)
# Zed answered this week and scored nothing; twelve others did better.
ZED = BoardEntry(12, "u12", "Zed", 0)


def discord_text(board: Leaderboard) -> str:
    return str(discord_render.board_embed(board).description)


Render = Callable[[Leaderboard], str]
PLATFORMS: dict[str, tuple[Render, list[str]]] = {
    "console": (
        console.board,
        ["  1. Alice — 3 points", "  2. Bob — 0 points", "You: #12 — 0 points"],
    ),
    "slack": (
        slack.board,
        # Nobody gets a medal for 0 points.
        [":first_place_medal: Alice — 3 points", "2. Bob — 0 points", "_You: #12 — 0 points_"],
    ),
    "discord": (
        discord_text,
        ["**1.** Alice — 3 points", "**2.** Bob — 0 points", "You: **12.** — 0 points"],
    ),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_zero_points_read_as_0_points(platform: str) -> None:
    render, expected = PLATFORMS[platform]
    text = render(Leaderboard(Period.WEEK, RankBy.POINTS, [ALICE, BOB], ZED))
    lines = text.splitlines()
    for line in expected:
        assert line in lines, text


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_caller_off_a_board_is_told_what_that_board_counts(platform: str) -> None:
    render, _ = PLATFORMS[platform]
    streaks = render(
        Leaderboard(Period.ALL, RankBy.STREAK, [BoardEntry(1, "u1", "Alice", 4)], None)
    )
    points = render(Leaderboard(Period.WEEK, RankBy.POINTS, [ALICE], None))
    assert "You have no current streak." in streaks
    assert "not on this board" not in streaks, "a streak that just ended was on it"
    assert "You are not on this board yet." in points
