"""Local-time rules across midnight, weeks, months and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core import calendar
from bot.core.model import GuildConfig, Period
from bot.core.questions import Difficulty


def config(
    zone: str, at: time = time(9, 0), days: frozenset[int] = frozenset(range(7))
) -> GuildConfig:
    return GuildConfig("g", "test", channel_id="c", post_time=at, timezone=zone, days=days)


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        ("Europe/Berlin", date(2026, 3, 28), datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),  # CET
        (
            "Europe/Berlin",
            date(2026, 3, 29),
            datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        ),  # CEST from today
        ("America/New_York", date(2026, 3, 7), datetime(2026, 3, 7, 14, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 11, 1), datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
    ],
)
def test_post_time_stays_on_the_local_clock_across_dst(
    zone: str, day: date, expected_utc: datetime
) -> None:
    assert calendar.slot_on(config(zone), day) == expected_utc


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        # 02:00-03:00 does not exist in Berlin on 2026-03-29: the gap's end, 03:00 CEST.
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("Europe/Berlin", date(2026, 3, 29), time(2, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 3, 8), time(2, 59), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        # Lord Howe Island moves its clocks by half an hour.
        (
            "Australia/Lord_Howe",
            date(2026, 10, 4),
            time(2, 15),
            datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
        ),
        # 02:30 happens twice in Berlin on 2026-10-25: the first one, still CEST.
        (
            "Europe/Berlin",
            date(2026, 10, 25),
            time(2, 30),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
        (
            "America/New_York",
            date(2026, 11, 1),
            time(1, 30),
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        ),
    ],
)
def test_dst_rule_gap_end_and_first_occurrence(
    zone: str, day: date, at: time, expected_utc: datetime
) -> None:
    assert calendar.slot_on(config(zone, at), day) == expected_utc


def test_a_day_that_starts_inside_a_gap_starts_at_its_end() -> None:
    # Santiago moves its clocks from 24:00 to 01:00: 2026-09-06 begins at 01:00 local.
    start, end = calendar.day_bounds(date(2026, 9, 6), "America/Santiago")
    zone = ZoneInfo("America/Santiago")
    assert start.astimezone(zone).replace(tzinfo=None) == datetime(2026, 9, 6, 1, 0)
    assert end.astimezone(zone).replace(tzinfo=None) == datetime(2026, 9, 7, 0, 0)


def test_next_slot_skips_days_off_and_crosses_midnight() -> None:
    weekdays = config("America/New_York", days=frozenset(range(5)))
    friday_evening = datetime(2026, 11, 27, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert calendar.next_slot(weekdays, friday_evening) == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    paused = GuildConfig("g", "test", channel_id="c", paused=True)
    assert calendar.next_slot(paused, friday_evening) is None


def test_due_today_is_the_local_day() -> None:
    berlin = config("Europe/Berlin")
    # 23:30 UTC on the 24th is already the 25th in Berlin, before 09:00 there.
    assert calendar.due_today(berlin, datetime(2026, 11, 24, 23, 30, tzinfo=UTC)) is None
    assert calendar.due_today(berlin, datetime(2026, 11, 24, 22, 59, tzinfo=UTC)) == date(
        2026, 11, 24
    )


@pytest.mark.parametrize(
    ("when", "zone", "period", "key"),
    [
        (
            datetime(2026, 11, 29, 22, 59, tzinfo=UTC),
            "Europe/Berlin",
            Period.WEEK,
            "2026-W48",
        ),  # Sun 23:59
        (
            datetime(2026, 11, 29, 23, 0, tzinfo=UTC),
            "Europe/Berlin",
            Period.WEEK,
            "2026-W49",
        ),  # Mon 00:00
        (datetime(2026, 11, 30, 4, 59, tzinfo=UTC), "America/New_York", Period.MONTH, "2026-11"),
        (datetime(2026, 12, 1, 5, 0, tzinfo=UTC), "America/New_York", Period.MONTH, "2026-12"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "UTC", Period.WEEK, "2026-W53"),  # ISO year
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "UTC", Period.ALL, "all"),
    ],
)
def test_period_keys(when: datetime, zone: str, period: Period, key: str) -> None:
    assert calendar.period_key(period, when, zone) == key


def test_ramp_levels() -> None:
    ramp = GuildConfig("g", "test", difficulty="ramp")
    week = [calendar.daily_level(ramp, date(2026, 11, 23 + offset)) for offset in range(7)]
    assert week == [*Difficulty, None, None]
    assert (
        calendar.daily_level(GuildConfig("g", "t", difficulty="mid"), date(2026, 11, 28))
        is Difficulty.MID
    )
