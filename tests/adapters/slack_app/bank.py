"""The quiz data of the Slack tests: the shared fake clock and a small question bank."""

from __future__ import annotations

from bot.core.bank import QuestionBank
from bot.core.questions import Choice, Difficulty, Question
from tests.fakes import FakeClock as Clock

__all__ = ["Clock", "quiz_bank"]


def _question(
    qid: str,
    level: Difficulty,
    *,
    topics: tuple[str, ...] = ("basics",),
    correct: int = 0,
    prompt: str | None = None,
    choices: list[str] | None = None,
    open_question: bool = False,
) -> Question:
    texts = choices or [f"{qid} option {i}" for i in range(4)]
    return Question(
        id=qid,
        difficulty=level,
        topics=list(topics),
        prompt=prompt or f"What about {qid}?",
        answer=[f"The answer to {qid}"],
        explanation=f"Why {qid} works that way.",
        choices=None
        if open_question
        else [
            Choice(text=text, correct=i == correct, why=None if i == correct else f"not {i}")
            for i, text in enumerate(texts)
        ],
    )


def quiz_bank() -> QuestionBank:
    """Three choice questions per level, an open question and one full of markup."""
    questions = [
        _question(f"{level.value}-{n}", level, correct=n % 4)
        for level in Difficulty
        for n in range(3)
    ]
    questions.append(
        _question("open-one", Difficulty.SENIOR, topics=("design",), open_question=True)
    )
    questions.append(
        _question(
            "markup",
            Difficulty.ENTRY,
            topics=("escaping",),
            prompt="Does <!channel> & <@U0ALICE> ping anyone? See <https://evil.test|here>",
            choices=["<!here> yes", "No & never", "<#C0QUIZ> maybe"],
            correct=1,
        )
    )
    return QuestionBank(questions)
