"""The answer calendar behind the stats card: days in the guild's zone, marked by outcome."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.core.activity import DayMark, build_calendar, first_day, member_calendar
from bot.core.admin import GuildAdmin
from bot.core.model import Member
from bot.core.service import QuizService
from tests.conftest import GUILD, posted_daily
from tests.fakes import FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
ALICE = Member("u1", "Alice")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_twelve_weeks_from_a_monday() -> None:
    today = date(2026, 11, 26)  # a Thursday
    assert first_day(today) == date(2026, 9, 7)
    calendar = build_calendar(today, "UTC", [], [])
    assert len(calendar.days()) == 84
    assert calendar.days()[0].weekday() == 0
    assert calendar.days()[-1] == date(2026, 11, 29)


def test_each_day_shows_its_best_outcome_in_the_local_zone() -> None:
    today = date(2026, 11, 26)
    answers = [
        (utc(2026, 11, 20, 10, 0), False),
        (utc(2026, 11, 20, 12, 0), True),  # right beats wrong the same day
        (utc(2026, 11, 21, 10, 0), False),
        (utc(2026, 11, 22, 23, 30), True),  # 00:30 on the 23rd in Berlin
        (utc(2026, 11, 24, 10, 0), None),  # an open answer never self-graded
        (utc(2026, 8, 1, 10, 0), True),  # before the calendar
    ]
    dailies = [
        utc(2026, 11, 20, 8, 0),
        utc(2026, 11, 25, 8, 0),  # unanswered: missed
        utc(2026, 11, 26, 8, 0),  # today: may still be open, not missed
    ]
    calendar = build_calendar(today, "Europe/Berlin", answers, dailies)
    assert calendar.mark(date(2026, 11, 20)) is DayMark.RIGHT
    assert calendar.mark(date(2026, 11, 21)) is DayMark.WRONG
    assert calendar.mark(date(2026, 11, 22)) is DayMark.NONE
    assert calendar.mark(date(2026, 11, 23)) is DayMark.RIGHT
    assert calendar.mark(date(2026, 11, 24)) is DayMark.WRONG
    assert calendar.mark(date(2026, 11, 25)) is DayMark.MISSED
    assert calendar.mark(date(2026, 11, 26)) is DayMark.NONE
    assert calendar.counts() == {DayMark.RIGHT: 2, DayMark.WRONG: 2, DayMark.MISSED: 1}
    assert calendar.summary() == "Last 12 weeks: 2 days right, 2 wrong, 1 missed."


async def test_a_members_calendar_from_the_store(
    service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    await admin.setup(GUILD, "c1", "09:00", "Europe/Berlin")
    for day, answer in ((23, True), (24, False), (25, None)):
        clock.set(datetime(2026, 11, day, 9, 0, tzinfo=BERLIN))
        view = await posted_daily(service, GUILD)
        assert view is not None
        correct = view.question.correct_index
        assert correct is not None
        if answer is not None:
            wrong = next(i for i in view.post.choice_order if i != correct)
            await service.answer(view.post.post_id, ALICE, choice=correct if answer else wrong)
        clock.set(datetime(2026, 11, day, 18, 0, tzinfo=BERLIN))
        await service.reveal(view.post.post_id)
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN))
    calendar = await member_calendar(service, GUILD, ALICE.id)
    assert [calendar.mark(date(2026, 11, d)) for d in (22, 23, 24, 25, 26)] == [
        DayMark.NONE,
        DayMark.RIGHT,
        DayMark.WRONG,
        DayMark.MISSED,
        DayMark.NONE,
    ]
