"""The shuffle bag."""

from __future__ import annotations

import itertools
import random

from bot.core import selection
from bot.core.questions import Difficulty


def test_bag_uses_every_question_once_per_round() -> None:
    rng = random.Random(3)
    matching = [f"q{i}" for i in range(10)]
    bag: list[str] = []
    last = None
    drawn = []
    for _ in range(30):
        last, bag = selection.draw(bag, matching, rng, last=last)
        drawn.append(last)
    for start in (0, 10, 20):
        assert sorted(drawn[start : start + 10]) == sorted(matching)
    assert all(a != b for a, b in itertools.pairwise(drawn))


def test_removed_questions_leave_the_bag() -> None:
    question, rest = selection.draw(["gone", "kept"], ["kept", "new"], random.Random(1))
    assert (question, rest) == ("kept", [])


def test_bag_keys() -> None:
    assert selection.bag_key(None, None) == "*/*"
    assert selection.bag_key(Difficulty.MID, "asyncio") == "mid/asyncio"
    assert selection.bag_key(Difficulty.MID, None, owner="u1") == "private:u1:mid/*"
