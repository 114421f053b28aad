"""A member's answer calendar: twelve weeks of days, each missed, wrong or right."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core import calendar
from bot.core.service import QuizService
from bot.core.text import plural

CALENDAR_WEEKS = 12


class DayMark(StrEnum):
    """What one day of the calendar shows."""

    NONE = "none"  # no daily question, and nothing answered
    MISSED = "missed"  # a daily question went unanswered
    WRONG = "wrong"  # answered, none right
    RIGHT = "right"  # at least one right answer


@dataclass(frozen=True)
class Calendar:
    """Twelve local weeks, Monday first, ending with the week of `today`."""

    first: date
    today: date
    marks: dict[date, DayMark]

    def mark(self, day: date) -> DayMark:
        """How a day went (NONE for days without anything, and days to come)."""
        return self.marks.get(day, DayMark.NONE)

    def days(self) -> list[date]:
        """Every day shown, oldest first (7 per week, including the rest of this week)."""
        return [self.first + timedelta(days=n) for n in range(7 * CALENDAR_WEEKS)]

    def counts(self) -> dict[DayMark, int]:
        """How many days got each mark."""
        found = Counter(self.marks.values())
        return {mark: found[mark] for mark in (DayMark.RIGHT, DayMark.WRONG, DayMark.MISSED)}

    def summary(self) -> str:
        """The calendar in words, for screen readers and text-only clients."""
        counts = self.counts()
        return (
            f"Last {CALENDAR_WEEKS} weeks: {plural(counts[DayMark.RIGHT], 'day')} right, "
            f"{counts[DayMark.WRONG]} wrong, {counts[DayMark.MISSED]} missed."
        )


def first_day(today: date) -> date:
    """The Monday eleven weeks before this week's Monday."""
    return today - timedelta(days=today.weekday() + 7 * (CALENDAR_WEEKS - 1))


def build_calendar(
    today: date,
    timezone: str,
    answers: list[tuple[datetime, bool | None]],
    dailies: list[datetime],
) -> Calendar:
    """Mark each day by the local date its questions were posted.

    A right answer makes the day right; otherwise any answer makes it wrong (an open
    answer never self-graded is not a right one); a daily question without an answer makes
    a past day missed. Today is never missed: its question may still be open.
    """
    first = first_day(today)
    marks: dict[date, DayMark] = {}
    for posted_at, correct in answers:
        day = calendar.local_date(posted_at, timezone)
        if first <= day <= today and marks.get(day) is not DayMark.RIGHT:
            marks[day] = DayMark.RIGHT if correct else DayMark.WRONG
    for posted_at in dailies:
        day = calendar.local_date(posted_at, timezone)
        if first <= day < today:
            marks.setdefault(day, DayMark.MISSED)
    return Calendar(first, today, marks)


async def member_calendar(service: QuizService, guild_id: str, member_id: str) -> Calendar:
    """A member's calendar as it stands now, in the guild's zone."""
    config = await service.config(guild_id)
    today = calendar.local_date(service.clock.now(), config.timezone)
    first = first_day(today)
    since = datetime.combine(first, time(0), tzinfo=ZoneInfo(config.timezone)).astimezone(UTC)
    answers = await service.store.member_days(guild_id, member_id, since)
    dailies = await service.store.daily_times(guild_id, since)
    return build_calendar(today, config.timezone, answers, dailies)
