"""The pre-computed totals as rows, the same for both stores (only their SQL differs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.model import MemberStats
from bot.core.ports import PeriodPoints


def named_stats(
    guild_id: str, members: Sequence[tuple[str, str]], found: Mapping[str, MemberStats]
) -> list[MemberStats]:
    """The stored stats of (member id, name) pairs under their current names; fresh
    records for members seen the first time."""
    result = []
    for member_id, name in members:
        stats = found.get(member_id) or MemberStats(guild_id, member_id, name)
        stats.name = name
        result.append(stats)
    return result


def member_rows(stats: Sequence[MemberStats]) -> list[tuple[Any, ...]]:
    """member_stats rows: guild, member, name, points, answered, correct, streak, best, seq."""
    return [
        (
            s.guild_id,
            s.member_id,
            s.name,
            s.points,
            s.answered,
            s.correct,
            s.streak,
            s.best_streak,
            s.streak_seq,
        )
        for s in stats
    ]


def level_rows(stats: Sequence[MemberStats]) -> list[tuple[Any, ...]]:
    """level_stats rows: guild, member, difficulty, answered, correct, points."""
    return [
        (s.guild_id, s.member_id, level.value, ls.answered, ls.correct, ls.points)
        for s in stats
        for level, ls in s.by_level.items()
    ]


def period_rows(period: Sequence[PeriodPoints]) -> list[tuple[Any, ...]]:
    """period_points rows: guild, period, member, points to add."""
    return [(p.guild_id, p.period, p.member_id, p.points) for p in period]
