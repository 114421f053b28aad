"""No mechanical trick finds the key of the default pack much better than chance."""

from __future__ import annotations

import re
from collections.abc import Callable
from statistics import mean

import pytest

from bot.core.packs import BUNDLED_PACK, read_packs
from bot.core.questions import Question, collapse

# How far above chance a rule's hit rate may go: 0.35 with four choices.
MARGIN = 0.10

IMPERATIVES = frozenset(
    [
        "acquire",
        "add",
        "annotate",
        "apply",
        "assign",
        "avoid",
        "await",
        "batch",
        "bind",
        "build",
        "cache",
        "call",
        "cancel",
        "catch",
        "check",
        "choose",
        "close",
        "compare",
        "configure",
        "convert",
        "copy",
        "create",
        "decorate",
        "define",
        "delegate",
        "delete",
        "disable",
        "drop",
        "enable",
        "freeze",
        "give",
        "ignore",
        "implement",
        "import",
        "inject",
        "install",
        "iterate",
        "join",
        "keep",
        "leave",
        "let",
        "limit",
        "lock",
        "log",
        "loop",
        "make",
        "mark",
        "measure",
        "memoize",
        "mock",
        "move",
        "offload",
        "open",
        "override",
        "parallelize",
        "pass",
        "patch",
        "pick",
        "pin",
        "prefer",
        "profile",
        "put",
        "raise",
        "read",
        "refactor",
        "register",
        "release",
        "reload",
        "remove",
        "replace",
        "restart",
        "retry",
        "return",
        "rewrite",
        "run",
        "schedule",
        "serialize",
        "set",
        "shield",
        "sort",
        "split",
        "start",
        "stop",
        "store",
        "subclass",
        "suppress",
        "switch",
        "test",
        "treat",
        "trust",
        "turn",
        "use",
        "validate",
        "wrap",
        "write",
    ]
)
ABSOLUTE = re.compile(r"\b(always|never|only|all|none)\b", re.IGNORECASE)
HEDGES = re.compile(
    r"\b(may|might|can|could|usually|often|typically|generally|sometimes|depends|likely"
    r"|tends?|mostly|roughly|probably)\b",
    re.IGNORECASE,
)

Rule = Callable[[list[str]], list[int]]


def longest(texts: list[str]) -> list[int]:
    lengths = [len(collapse(text)) for text in texts]
    return [i for i, length in enumerate(lengths) if length == max(lengths)]


def imperative(texts: list[str]) -> list[int]:
    def first_word(text: str) -> str:
        words = collapse(text).split()
        return words[0].lower() if words else ""

    return [i for i, text in enumerate(texts) if first_word(text) in IMPERATIVES]


def not_absolute(texts: list[str]) -> list[int]:
    return [i for i, text in enumerate(texts) if not ABSOLUTE.search(text)]


def most_hedged(texts: list[str]) -> list[int]:
    counts = [len(HEDGES.findall(text)) for text in texts]
    return [i for i, count in enumerate(counts) if count == max(counts) and count > 0]


RULES: dict[str, Rule] = {
    "pick the longest choice": longest,
    "pick the choice starting with an imperative verb": imperative,
    "pick the choice without always/never/only/all/none": not_absolute,
    "pick the most hedged choice": most_hedged,
}


def hit_rate(rule: Rule, questions: list[Question]) -> float:
    """Expected share of keys found by following the rule, guessing among what it leaves."""
    hits = []
    for question in questions:
        texts = [choice.text for choice in question.choices or []]
        picks = rule(texts) or list(range(len(texts)))
        hits.append(1 / len(picks) if question.correct_index in picks else 0.0)
    return mean(hits)


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    return [q for q in read_packs([BUNDLED_PACK]).questions if q.choices]


def test_no_surface_cue_beats_chance_by_much(questions: list[Question]) -> None:
    chance = mean(1 / len(q.choices or [1]) for q in questions)
    rates = {name: hit_rate(rule, questions) for name, rule in RULES.items()}
    report = ", ".join(f"{name}: {rate:.3f}" for name, rate in rates.items())
    assert max(rates.values()) <= chance + MARGIN, f"chance {chance:.3f}; {report}"


def test_the_cue_measure_catches_a_cue() -> None:
    def question(texts: list[str], correct: int) -> Question:
        from tests.fakes import question as make

        base = make(f"q{correct}-{len(texts[correct])}")
        choices = [
            c.model_copy(update={"text": t, "correct": i == correct})
            for i, (c, t) in enumerate(zip(base.choices or [], texts, strict=True))
        ]
        return base.model_copy(update={"choices": choices})

    cued = [
        question(["Use a lock around it", "It is atomic", "Nothing happens", "It never fails"], 0),
        question(["Always", "Never", "Sometimes it may, depending on the load", "None of it"], 2),
    ]
    assert hit_rate(imperative, cued[:1]) == 1.0
    assert hit_rate(longest, cued) == 1.0
    assert hit_rate(most_hedged, cued) == pytest.approx((0.25 + 1.0) / 2)
    assert hit_rate(not_absolute, cued[1:]) == 1.0
