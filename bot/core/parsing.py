"""Turning admin text (times, zones, durations, days, levels) into values, or a clear refusal."""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from functools import cache

from bot.core.errors import InvalidInput
from bot.core.questions import Difficulty
from bot.core.text import echo

DAILY_REVEAL_RANGE = (60, 23 * 3600)
DRAW_REVEAL_RANGE = (10, 3600)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAILY_MODES = ("mixed", "ramp")

_DURATION = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_time(text: str) -> time:
    """`HH:MM` in 24-hour form."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match:
        raise InvalidInput(f"{echo(text)} is not a time: use HH:MM in 24-hour form, e.g. 09:30.")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise InvalidInput(f"{echo(text)} is not a valid time: hours go 00-23 and minutes 00-59.")
    return time(hour, minute)


@cache
def available_timezones() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def parse_timezone(text: str) -> str:
    """An IANA zone name such as Europe/Berlin, matched case-insensitively."""
    wanted = text.strip()
    by_lower = {name.lower(): name for name in available_timezones()}
    name = by_lower.get(wanted.lower())
    if name is None:
        raise InvalidInput(
            f"{echo(text)} is not a known time zone: use an IANA name such as Europe/Berlin, "
            "America/New_York or UTC."
        )
    return name


def search_timezones(text: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: prefix matches first, then substring matches."""
    wanted = text.strip().lower().replace(" ", "_")
    names = available_timezones()
    starts = [n for n in names if n.lower().startswith(wanted)]
    contains = [n for n in names if wanted in n.lower() and n not in starts]
    return (starts + contains)[:limit]


def parse_duration(text: str, *, bounds: tuple[int, int], what: str) -> int:
    """Seconds from `90s`, `15m`, `8h`, `1h30m`, checked against the allowed range."""
    compact = text.strip().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise InvalidInput(f"{echo(text)} is not a duration: use forms like 90s, 15m, 8h or 1h30m.")
    seconds = sum(int(n) * _UNIT_SECONDS[u.lower()] for n, u in parts)
    low, high = bounds
    if not low <= seconds <= high:
        raise InvalidInput(
            f"The {what} reveal delay must be between {format_duration(low)} and "
            f"{format_duration(high)}; {echo(text)} is {format_duration(seconds)}."
        )
    return seconds


def format_duration(seconds: int) -> str:
    """The shortest readable form: 90 -> 1m30s, 28800 -> 8h."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


def parse_days(text: str) -> frozenset[int]:
    """`every`, `mon-fri`, or a list like `mon,wed,fri` / `sat-sun`; Monday is 0."""
    words = text.strip().lower()
    if words in ("every", "daily", "all", "mon-sun"):
        return frozenset(range(7))
    if words in ("weekdays", "mon-fri"):
        return frozenset(range(5))
    if words == "weekends":
        return frozenset({5, 6})
    days: set[int] = set()
    for part in filter(None, re.split(r"[\s,]+", words)):
        ends = part.split("-")
        if len(ends) > 2 or not all(end[:3] in DAY_NAMES for end in ends):
            raise InvalidInput(
                f"{echo(part)} is not a day: use every, mon-fri, or days like mon,wed,fri."
            )
        first, last = DAY_NAMES.index(ends[0][:3]), DAY_NAMES.index(ends[-1][:3])
        days.update(
            range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        )
    if not days:
        raise InvalidInput("Name at least one day: every, mon-fri, or days like mon,wed,fri.")
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    """The inverse of parse_days, in its shortest form."""
    if days == frozenset(range(7)):
        return "every day"
    if days == frozenset(range(5)):
        return "mon-fri"
    return ",".join(DAY_NAMES[d] for d in sorted(days)) or "no days"


def parse_daily_difficulty(text: str) -> str:
    """A level name, `mixed` (any level) or `ramp` (entry on Monday up to expert on Friday)."""
    value = text.strip().lower()
    if value in DAILY_MODES or value in {d.value for d in Difficulty}:
        return value
    levels = ", ".join(d.value for d in Difficulty)
    raise InvalidInput(f"{echo(text)} is not a difficulty: use {levels}, mixed or ramp.")


def parse_difficulty(text: str) -> Difficulty:
    """One of the five levels."""
    try:
        return Difficulty(text.strip().lower())
    except ValueError:
        levels = ", ".join(d.value for d in Difficulty)
        raise InvalidInput(f"{echo(text)} is not a difficulty: use one of {levels}.") from None
