"""Admin text parsing: every accepted form, and the exact refusal for bad input."""

from __future__ import annotations

import re
from datetime import time

import pytest

from bot.core import parsing
from bot.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "expected"), [("09:30", time(9, 30)), ("7:05", time(7, 5)), (" 23:59 ", time(23, 59))]
)
def test_times(text: str, expected: time) -> None:
    assert parsing.parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:99", "'25:99' is not a valid time: hours go 00-23 and minutes 00-59."),
        ("24:00", "'24:00' is not a valid time: hours go 00-23 and minutes 00-59."),
        ("9am", "'9am' is not a time: use HH:MM in 24-hour form, e.g. 09:30."),
        ("", "'' is not a time: use HH:MM in 24-hour form, e.g. 09:30."),
    ],
)
def test_bad_times(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parsing.parse_time(text)
    assert str(refused.value) == message


def test_timezones() -> None:
    assert parsing.parse_timezone("europe/berlin") == "Europe/Berlin"
    with pytest.raises(InvalidInput, match="'Mars/Base' is not a known time zone"):
        parsing.parse_timezone("Mars/Base")
    suggestions = parsing.search_timezones("berl")
    assert suggestions == ["Europe/Berlin"]
    assert len(parsing.search_timezones("a")) == 25


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("8h", 28800), ("1h30m", 5400), ("1H 5M", 3900)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parsing.parse_duration(text, bounds=(1, 86400), what="daily") == seconds


@pytest.mark.parametrize(
    ("text", "bounds", "message"),
    [
        (
            "30s",
            parsing.DAILY_REVEAL_RANGE,
            "The daily reveal delay must be between 1m and 23h; '30s' is 30s.",
        ),
        (
            "24h",
            parsing.DAILY_REVEAL_RANGE,
            "The daily reveal delay must be between 1m and 23h; '24h' is 1d.",
        ),
        (
            "5s",
            parsing.DRAW_REVEAL_RANGE,
            "The daily reveal delay must be between 10s and 1h; '5s' is 5s.",
        ),
        (
            "soon",
            parsing.DRAW_REVEAL_RANGE,
            "'soon' is not a duration: use forms like 90s, 15m, 8h or 1h30m.",
        ),
        (
            "10",
            parsing.DRAW_REVEAL_RANGE,
            "'10' is not a duration: use forms like 90s, 15m, 8h or 1h30m.",
        ),
        (
            "-5m",
            parsing.DRAW_REVEAL_RANGE,
            "'-5m' is not a duration: use forms like 90s, 15m, 8h or 1h30m.",
        ),
    ],
)
def test_bad_durations(text: str, bounds: tuple[int, int], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parsing.parse_duration(text, bounds=bounds, what="daily")
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("every", set(range(7))),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("Monday Wednesday", {0, 2}),
        ("fri-mon", {4, 5, 6, 0}),
        ("weekends", {5, 6}),
    ],
)
def test_days(text: str, days: set[int]) -> None:
    assert parsing.parse_days(text) == frozenset(days)
    assert parsing.parse_days(
        parsing.format_days(frozenset(days)).replace("every day", "every")
    ) == frozenset(days)


@pytest.mark.parametrize("text", ["funday", "mon-", ",", "mon-tue-wed"])
def test_bad_days(text: str) -> None:
    with pytest.raises(InvalidInput):
        parsing.parse_days(text)


def test_daily_difficulty() -> None:
    assert parsing.parse_daily_difficulty("Ramp") == "ramp"
    assert parsing.parse_daily_difficulty("expert") == "expert"
    with pytest.raises(
        InvalidInput,
        match=re.escape(
            "'hard' is not a difficulty: use entry, junior, mid, senior, expert, mixed or ramp."
        ),
    ):
        parsing.parse_daily_difficulty("hard")


def test_format_duration() -> None:
    assert [parsing.format_duration(s) for s in (90, 3600, 28800, 5400, 0)] == [
        "1m30s",
        "1h",
        "8h",
        "1h30m",
        "0s",
    ]
