"""Shuffle-bag selection: nothing repeats until every matching question has been used."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from bot.core.questions import Difficulty


def bag_key(difficulty: Difficulty | None, topic: str | None, *, owner: str | None = None) -> str:
    """The bag a filter draws from; private practice keeps one bag per member."""
    key = f"{difficulty.value if difficulty else '*'}/{topic or '*'}"
    return f"private:{owner}:{key}" if owner else key


def draw(
    remaining: Sequence[str],
    matching: Sequence[str],
    rng: random.Random,
    *,
    last: str | None = None,
    skip: Collection[str] = (),
) -> tuple[str, list[str]]:
    """The next question id and the bag left after it.

    Ids no longer in `matching` (removed from a pack, or the filter changed) are
    dropped. An empty bag refills with every matching id in a new random order;
    the question drawn last is moved away from the front so that a refill never
    repeats it back to back. Ids in `skip` (questions open in the guild right now)
    are passed over but stay in the bag for a later draw; `matching` must hold at
    least one id outside `skip`.
    """
    allowed = set(matching)
    bag = [qid for qid in remaining if qid in allowed]
    if all(qid in skip for qid in bag):
        bag = list(matching)
        rng.shuffle(bag)
        if len(bag) > 1 and bag[0] == last:
            bag.append(bag.pop(0))
    pick = next(qid for qid in bag if qid not in skip)
    bag.remove(pick)
    return pick, bag
