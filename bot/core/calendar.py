"""Local-time rules: posting days and slots, ramp levels and leaderboard periods, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.model import GuildConfig, Period
from bot.core.questions import Difficulty

_RAMP = (Difficulty.ENTRY, Difficulty.JUNIOR, Difficulty.MID, Difficulty.SENIOR, Difficulty.EXPERT)


def local_date(when: datetime, timezone: str) -> date:
    """The calendar date at `when` in the zone."""
    return when.astimezone(ZoneInfo(timezone)).date()


def slot_on(config: GuildConfig, day: date) -> datetime:
    """The UTC instant of the daily post time on a local date.

    A time that falls in a DST gap (e.g. 02:30 on a spring-forward night) resolves
    with the offset before the change, which lands one hour later on the wall clock;
    an ambiguous time on a fall-back night takes its first occurrence.
    """
    local = datetime.combine(day, config.post_time, tzinfo=ZoneInfo(config.timezone))
    return local.astimezone(UTC)


def is_posting_day(config: GuildConfig, day: date) -> bool:
    """True when the guild's weekday set includes this local date."""
    return day.weekday() in config.days


def next_slot(config: GuildConfig, now: datetime) -> datetime | None:
    """The next daily post instant strictly after `now`, or None when nothing is scheduled."""
    if not config.is_scheduled:
        return None
    day = local_date(now, config.timezone)
    for offset in range(8):
        candidate = day + timedelta(days=offset)
        if is_posting_day(config, candidate):
            slot = slot_on(config, candidate)
            if slot > now:
                return slot
    return None


def due_today(config: GuildConfig, now: datetime) -> date | None:
    """Today's local date if today's slot has passed (late posts stay within the same day)."""
    if not config.is_scheduled:
        return None
    today = local_date(now, config.timezone)
    if is_posting_day(config, today) and slot_on(config, today) <= now:
        return today
    return None


def daily_level(config: GuildConfig, day: date) -> Difficulty | None:
    """The level of the daily question on a local date; None means any level."""
    if config.difficulty == "mixed":
        return None
    if config.difficulty == "ramp":
        weekday = day.weekday()
        return _RAMP[weekday] if weekday < len(_RAMP) else None
    return Difficulty(config.difficulty)


def period_key(period: Period, when: datetime, timezone: str) -> str:
    """The bucket a moment falls in: ISO week `2026-W48` (Monday start), month `2026-11`."""
    day = local_date(when, timezone)
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.MONTH:
        return f"{day.year}-{day.month:02d}"
    return "all"
