"""Local-time rules: posting days and slots, ramp levels and leaderboard periods, DST included.

The DST rule, used for every slot and day boundary alike: a wall time that does not
exist (inside a spring-forward gap) means the end of the gap, the first instant the
clocks show again; a wall time that happens twice (a fall-back night) means its first
occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.model import GuildConfig, Period
from bot.core.questions import Difficulty

_RAMP = (Difficulty.ENTRY, Difficulty.JUNIOR, Difficulty.MID, Difficulty.SENIOR, Difficulty.EXPERT)
# No zone has moved its clocks by more than this at once; the transition lies within it.
_LARGEST_JUMP_S = 3 * 3600


def local_date(when: datetime, timezone: str) -> date:
    """The calendar date at `when` in the zone."""
    return when.astimezone(ZoneInfo(timezone)).date()


def to_utc(day: date, wall: time, timezone: str) -> datetime:
    """The UTC instant a wall-clock time on a local date stands for, by the DST rule."""
    zone = ZoneInfo(timezone)
    local = datetime.combine(day, wall, tzinfo=zone)  # fold=0: the first occurrence
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # A gap: read with the offset before the change, the wall time lands past the
    # transition; the transition itself (the gap's end) is the slot.
    return _transition_before(zone, instant)


def _transition_before(zone: ZoneInfo, instant: datetime) -> datetime:
    after = instant.astimezone(zone).utcoffset()
    high = int(instant.timestamp())
    low = high - _LARGEST_JUMP_S
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def slot_on(config: GuildConfig, day: date) -> datetime:
    """The UTC instant of the daily post time on a local date (DST rule above)."""
    return to_utc(day, config.post_time, config.timezone)


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants a local date starts and ends at."""
    return to_utc(day, time(0), timezone), to_utc(day + timedelta(days=1), time(0), timezone)


def is_posting_day(config: GuildConfig, day: date) -> bool:
    """True when the guild's weekday set includes this local date."""
    return day.weekday() in config.days


def next_slot(config: GuildConfig, after: datetime) -> datetime | None:
    """The first daily post instant strictly after `after`, or None when nothing is scheduled."""
    if not config.is_scheduled:
        return None
    day = local_date(after, config.timezone)
    for offset in range(8):
        candidate = day + timedelta(days=offset)
        if is_posting_day(config, candidate):
            slot = slot_on(config, candidate)
            if slot > after:
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
