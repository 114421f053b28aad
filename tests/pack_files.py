"""Question packs written to disk, for the adapters' reload tests."""

from __future__ import annotations

from pathlib import Path

HEAD = """\
topics:
  basics: Syntax and builtins.
  strings: Text and its methods.
questions:
"""

QUESTION = """\
  - id: {qid}
    difficulty: {level}
    topics: [{topic}]
    prompt: "{prompt}"
    answer: ["{answer}"]
    explanation: {explanation}
    choices:
      - text: "{answer}"
        correct: true
      - text: "{wrong}"
        why: Not this one.
"""

# id -> (difficulty, topic, prompt, right answer, wrong answer, explanation)
QUESTIONS = {
    "first": ("entry", "basics", "What does len('abc') return?", "3", "0", "len counts items."),
    "gone": (
        "mid",
        "basics",
        "Which builtin turns an iterable of pairs into a mapping?",
        "dict",
        "zip",
        "dict accepts key-value pairs.",
    ),
    "second": (
        "junior",
        "strings",
        "What does 'Ab'.lower() give back?",
        "'ab'",
        "'AB'",
        "lower returns a lowercased copy.",
    ),
}

# Pack text that tries to escape a code block, ping everyone, mention a user and embolden.
HOSTILE = "hard``` @everyone <@123456789012345678> <!channel> *bold* **x**"


def question(qid: str, level: str | None = None) -> str:
    """One question of QUESTIONS as pack YAML, at another `level` if given."""
    default, topic, prompt, answer, wrong, explanation = QUESTIONS[qid]
    return QUESTION.format(
        qid=qid,
        level=level or default,
        topic=topic,
        prompt=prompt,
        answer=answer,
        wrong=wrong,
        explanation=explanation,
    )


def write_pack(path: Path, *ids: str) -> Path:
    """A valid pack holding these questions of QUESTIONS."""
    path.write_text(HEAD + "".join(question(qid) for qid in ids), encoding="utf-8")
    return path


def write_broken_pack(path: Path, bad: int) -> Path:
    """`first`, then `bad` questions whose difficulty is HOSTILE: one problem each."""
    broken = "".join(
        QUESTION.format(
            qid=f"bad-{n}",
            level=HOSTILE,
            topic="basics",
            prompt=f"Broken question number {n} asks about {'spam ' * n}here?",
            answer=str(n),
            wrong="none",
            explanation="Because.",
        )
        for n in range(bad)
    )
    path.write_text(HEAD + question("first") + broken, encoding="utf-8")
    return path
