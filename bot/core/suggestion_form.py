"""A member's question as a form, built into a pack question and checked by the pack validator."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import Field, ValidationError
from pydantic_core import ErrorDetails

from bot.core.errors import QuizError
from bot.core.pack_rules import describe, question_rules
from bot.core.questions import Question

WRONG_CHOICES = 3
MAX_AUTHOR = 64
# Validated under a placeholder id; an approved suggestion is served as `suggested-<n>`.
DRAFT_ID = "suggestion"


class SuggestedQuestion(Question):
    """A guild's own question: an approved suggestion, credited to its author in the reveal."""

    # Never part of a pack: dumping the question gives exactly the pack's fields.
    author_name: str = Field(exclude=True, max_length=MAX_AUTHOR)


def credit_of(question: Question) -> str | None:
    """The member who suggested a question, None for pack questions."""
    return question.author_name if isinstance(question, SuggestedQuestion) else None


class SuggestionRefused(QuizError):
    """A suggestion (or an edit of one) failed validation; nothing was stored."""

    def __init__(self, problems: list[str], lead: str = "Your question was not saved:") -> None:
        self.problems = problems
        super().__init__("\n".join([lead, *(f"• {problem}" for problem in problems)]))


@dataclass(frozen=True)
class SuggestionForm:
    """The fields a member fills in: the first choice is the correct one."""

    level: str
    topics: str
    prompt: str
    correct: str
    wrong: tuple[str, str, str]
    why: tuple[str, str, str]
    explanation: str

    @classmethod
    def of(cls, question: Question) -> SuggestionForm:
        """The form of an existing question, to edit it (correct choice first)."""
        choices = question.choices or []
        right = [c for c in choices if c.correct]
        others = [c for c in choices if not c.correct][:WRONG_CHOICES]
        wrong = [c.text for c in others] + [""] * (WRONG_CHOICES - len(others))
        why = [c.why or "" for c in others] + [""] * (WRONG_CHOICES - len(others))
        return cls(
            level=question.difficulty.value,
            topics=", ".join(question.topics),
            prompt=question.prompt,
            correct=right[0].text if right else "",
            wrong=(wrong[0], wrong[1], wrong[2]),
            why=(why[0], why[1], why[2]),
            explanation=question.explanation,
        )

    def topic_list(self) -> list[str]:
        """The topics as slugs: split on commas or spaces, lowercased, a leading # dropped."""
        return [word.lstrip("#").lower() for word in re.split(r"[\s,]+", self.topics) if word]

    def question_data(self) -> dict[str, Any]:
        """The form as a pack question; the correct choice is also the short answer."""
        return {
            "id": DRAFT_ID,
            "difficulty": self.level.strip().lower(),
            "topics": self.topic_list(),
            "prompt": self.prompt,
            "answer": [self.correct],
            "explanation": self.explanation,
            "choices": [
                {"text": self.correct, "correct": True},
                *(
                    {"text": text, "why": why}
                    for text, why in zip(self.wrong, self.why, strict=True)
                ),
            ],
        }


def check_form(form: SuggestionForm, known_topics: Iterable[str]) -> Question:
    """The question the form describes, or SuggestionRefused naming every problem."""
    known = sorted(known_topics)
    problems: list[str] = []
    try:
        question: Question | None = Question.model_validate(form.question_data())
    except ValidationError as exc:
        question = None
        problems += [_message(error) for error in exc.errors()]
    if question is not None:
        problems += [
            f"{_label(loc)}: {message}" if loc else message
            for loc, message in question_rules(question, bundled=False)
        ]
    unknown = [t for t in form.topic_list() if re.fullmatch(r"[a-z0-9-]+", t) and t not in known]
    if unknown:
        problems.append(
            f"Unknown topic(s): {', '.join(unknown)}. Known topics: {', '.join(known)}."
        )
    if problems:
        raise SuggestionRefused(list(dict.fromkeys(problems)))
    assert question is not None
    return question


def same_prompt(a: str, b: str) -> bool:
    """True when two prompts differ only in case and spacing."""
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _message(error: ErrorDetails) -> str:
    # The pack validator's wording, with the form's labels in place of YAML field paths.
    loc = error["loc"]
    if loc != ("difficulty",):
        error = {**error, "loc": (_label(loc),)}
    message = describe(error)
    return message[:1].upper() + message[1:]


def _label(loc: tuple[int | str, ...]) -> str:
    match loc:
        case ("difficulty", *_):
            return "Level"
        case ("topics", int(index), *_):
            return f"Topic {index + 1}"
        case ("topics", *_):
            return "Topics"
        case ("prompt", *_):
            return "Question"
        case ("answer", *_) | ("choices", 0, "text"):
            return "Correct answer"
        case ("choices", int(index), "text"):
            return f"Wrong answer {index}"
        case ("choices", int(index), "why"):
            return f"Why wrong answer {index} is wrong"
        case ("explanation", *_):
            return "Explanation"
        case _:
            return "Choices"
