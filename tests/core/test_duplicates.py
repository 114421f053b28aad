"""Questions that repeat each other: near-same text, the same program, the same prompt and key."""

from __future__ import annotations

import random

from bot.core.duplicates import Entry, find_duplicates, normalized_code
from bot.core.questions import Choice, Difficulty, Question

WORDS = [
    "list",
    "dict",
    "set",
    "tuple",
    "string",
    "integer",
    "float",
    "generator",
    "iterator",
    "closure",
    "decorator",
    "context",
    "manager",
    "thread",
    "process",
    "coroutine",
    "task",
    "future",
    "lock",
    "queue",
    "module",
    "package",
    "import",
    "class",
    "instance",
    "attribute",
    "method",
    "property",
    "descriptor",
    "slot",
    "metaclass",
    "exception",
    "traceback",
    "frame",
    "buffer",
    "socket",
    "file",
    "path",
    "bytes",
    "encoding",
    "hash",
    "equality",
    "identity",
    "copy",
    "reference",
    "cycle",
]


def question(qid: str, prompt: str, *, code: str | None = None, key: str = "yes") -> Question:
    return Question(
        id=qid,
        difficulty=Difficulty.MID,
        topics=["basics"],
        prompt=prompt,
        code=code,
        answer=["a"],
        explanation="e",
        choices=[Choice(text=key, correct=True), Choice(text=f"not {key}", why="w")],
    )


def findings(*questions: Question) -> list[str]:
    entries = [Entry(q, "p.yaml", 10 * i) for i, q in enumerate(questions, start=1)]
    return [f"{f.entry.question.id}: {f.message}" for f in find_duplicates(entries)]


def sentence(rng: random.Random, length: int = 24) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(length)) + "?"


def test_a_reworded_long_prompt_is_a_near_duplicate() -> None:
    rng = random.Random(5)
    prompt = sentence(rng, 30)
    words = prompt.split()
    words[12] = "tuple" if words[12] != "tuple" else "list"
    assert findings(question("a", prompt), question("b", " ".join(words))) == [
        "b: near-duplicate prompt of 'a' (p.yaml:10)"
    ]


def test_the_same_program_is_compared_with_its_prompt() -> None:
    program = "x = [1, 2]\nprint(x * 2)\n"
    other = "x = {1: 2}\nprint(len(x))\n"
    assert (
        findings(
            question("a", "What does this print?", code=program),
            question("b", "What does this print?", code=other),
        )
        == []
    )
    assert findings(
        question("a", "What does this print?", code=program),
        question(
            "b", "Which output do you get?", code="# same program\nx = [1,  2]\n\nprint(x * 2)"
        ),
    ) == ["b: same code as 'a' (p.yaml:10)"]


def test_same_prompt_and_same_key_without_code() -> None:
    first = question("a", "Which is right: `x`, `y`, or `z`?", key="`y`")
    second = question("b", "which is right x y or z", key="y")
    assert findings(first, second) == ["b: same prompt and correct answer as 'a' (p.yaml:10)"]
    other_key = question("c", "which is right x y or z", key="z")
    assert findings(first, other_key) == []


def test_one_message_per_repeated_question() -> None:
    same = question("a", "Which is right?")
    assert findings(same, question("b", "Which is right?")) == [
        "b: duplicate prompt of 'a' (p.yaml:10)"
    ]


def test_thousands_of_distinct_questions_have_no_findings_but_a_planted_copy_is_found() -> None:
    rng = random.Random(11)
    many = [question(f"q{i}", sentence(rng), code=f"print({i})") for i in range(3000)]
    planted = many[1234].prompt.replace("?", " now?")
    many.append(question("copy", planted, code="print('copy')"))
    assert findings(*many) == ["copy: near-duplicate prompt of 'q1234' (p.yaml:12350)"]


def test_code_normalisation_ignores_layout_only() -> None:
    assert normalized_code("a = 1\n\n# note\nprint( a )") == normalized_code("a = 1\nprint( a )")
    assert normalized_code("a = 1") != normalized_code("a = 2")
