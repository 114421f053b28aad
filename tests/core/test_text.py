"""Names and echoed input as members see them: no spoofing, no flooding."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from bot.core.errors import InvalidInput
from bot.core.model import Member
from bot.core.parsing import parse_duration, parse_time, parse_timezone
from bot.core.text import board_figure, echo
from tests.fakes import small_bank


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Alice", "Alice"),
        ("evil\u202eecilA", "evilecilA"),  # right-to-left override dropped
        ("zero\u200bwidth\u200d", "zerowidth"),
        ("two\rlines\nhere", "two lines here"),  # CR would split a CSV row
        ("\x1b[31mred\x1b[0m", "[31mred [0m"),
        ("   ", "?"),
        ("x" * 500, "x" * 63 + "…"),
    ],
)
def test_member_names_are_cleaned_once_for_every_screen(raw: str, shown: str) -> None:
    assert Member("u1", raw).name == shown


@pytest.mark.parametrize(
    "parse",
    [
        parse_time,
        parse_timezone,
        partial(parse_duration, bounds=(10, 3600), what="draw"),
        lambda text: small_bank().check_topic(text),
    ],
)
def test_huge_input_is_not_echoed_back_whole(parse: Callable[[str], object]) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse("z" * 100_000)
    assert len(str(refused.value)) < 400
    assert "…" in str(refused.value)


def test_echo_keeps_short_text_and_quotes_it() -> None:
    assert echo("25:99") == "'25:99'"
    assert echo("") == "''"


@pytest.mark.parametrize(
    ("by_points", "value", "shown"),
    [
        (True, 0, "0 points"),
        (True, 1, "1 point"),
        (True, 5, "5 points"),
        (False, 1, "1 day in a row"),
        (False, 3, "3 days in a row"),
    ],
)
def test_board_figures_agree_with_their_number(by_points: bool, value: int, shown: str) -> None:
    assert board_figure(by_points, value) == shown
