"""Streak savers as pure rules: earned by runs of correct dailies, spent on a miss.

A member earns one saver for every 7 correct daily questions in a row and holds at
most 2 (a saver earned while holding 2 is lost). When a member with a running
streak answers a daily wrong, or does not answer it by its reveal, one saver is
spent instead of ending the streak: the streak stays where it was and does not
grow. Spending a saver starts the run toward the next one from zero.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import StrEnum

from bot.core.learning_model import Savers

EARN_EVERY = 7
MAX_HELD = 2


class DailyOutcome(StrEnum):
    """How a member did on one daily question."""

    RIGHT = "right"
    WRONG = "wrong"
    MISSED = "missed"


def settle(
    savers: Savers, outcome: DailyOutcome, *, streak_alive: bool, at: datetime
) -> tuple[Savers, bool]:
    """The savers after one daily, and True when a saver bridged it.

    `streak_alive` says the member's streak ran up to the previous daily (and is
    above zero): only such a streak can be saved, and only it continues a run.
    """
    if outcome is DailyOutcome.RIGHT:
        run = (savers.run if streak_alive else 0) + 1
        if run >= EARN_EVERY:
            return dataclasses.replace(savers, held=min(savers.held + 1, MAX_HELD), run=0), False
        return dataclasses.replace(savers, run=run), False
    if streak_alive and savers.held > 0:
        return Savers(held=savers.held - 1, run=0, last_used_at=at), True
    return dataclasses.replace(savers, run=0), False


@dataclasses.dataclass(frozen=True)
class Streak:
    """A daily streak with its savers: the whole state the rules move, for tables and docs."""

    streak: int = 0
    best: int = 0
    savers: Savers = dataclasses.field(default_factory=Savers)


def play(start: Streak, outcomes: list[DailyOutcome], times: list[datetime]) -> list[Streak]:
    """The state after each daily in turn (the engine applies the same two rules per reveal)."""
    states = []
    state = start
    for outcome, at in zip(outcomes, times, strict=True):
        alive = state.streak > 0
        savers, bridged = settle(state.savers, outcome, streak_alive=alive, at=at)
        if bridged:
            streak = state.streak
        elif outcome is DailyOutcome.RIGHT:
            streak = state.streak + 1
        else:
            streak = 0
        state = Streak(streak, max(state.best, streak), savers)
        states.append(state)
    return states
