"""Question and pack models, with the limits that the chat platforms impose."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Discord: an embed description holds 4096 characters, a button label 80, and a
# choice list renders as "A) text" lines in the body with letter-only buttons, so a
# choice may be longer than a label. Slack sections hold 3000, so the post body
# (prompt plus choices) has to fit there as well.
MAX_PROMPT = 1500
MAX_CHOICE = 200
MAX_WHY = 300
MAX_ANSWER_LINE = 300
MAX_EXPLANATION = 2000
MAX_POST_BODY = 3000
MAX_REVEAL_BODY = 4096
MAX_BUTTON_LABEL = 80
MIN_CHOICES = 2
MAX_CHOICES = 5
CHOICE_LETTERS = "ABCDE"


class Difficulty(StrEnum):
    """Question levels, in increasing order."""

    ENTRY = "entry"
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"
    EXPERT = "expert"

    @property
    def rank(self) -> int:
        """0 for entry up to 4 for expert."""
        return list(Difficulty).index(self)

    @property
    def points(self) -> int:
        """Points for a correct answer: entry 1 … expert 5."""
        return self.rank + 1


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=64)]
TopicSlug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=32)]


def _text(max_length: int) -> StringConstraints:
    # A whitespace-only string is as empty as "" to the reader, so strip before counting.
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


PromptText = Annotated[str, _text(MAX_PROMPT)]
ChoiceText = Annotated[str, _text(MAX_CHOICE)]
WhyText = Annotated[str, _text(MAX_WHY)]
AnswerLine = Annotated[str, _text(MAX_ANSWER_LINE)]
ExplanationText = Annotated[str, _text(MAX_EXPLANATION)]


class Choice(BaseModel):
    """One option of a choice question; `why` explains what a distractor gets wrong."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: ChoiceText
    correct: bool = False
    why: WhyText | None = None


class Question(BaseModel):
    """A question as written in a pack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug = Field(description="Stable slug, unique across all packs.")
    difficulty: Difficulty
    topics: list[TopicSlug] = Field(min_length=1, max_length=6)
    prompt: PromptText
    answer: list[AnswerLine] = Field(min_length=1, max_length=8)
    explanation: ExplanationText
    choices: list[Choice] | None = Field(
        default=None,
        min_length=MIN_CHOICES,
        max_length=MAX_CHOICES,
        description="With choices the bot grades; without, members answer in free text.",
    )

    @field_validator("choices")
    @classmethod
    def _one_correct_choice(cls, choices: list[Choice] | None) -> list[Choice] | None:
        if choices is not None:
            correct = sum(choice.correct for choice in choices)
            if correct != 1:
                raise ValueError(f"needs exactly one correct choice, found {correct}")
            texts = [" ".join(choice.text.lower().split()) for choice in choices]
            if len(set(texts)) != len(texts):
                raise ValueError("two choices have the same text")
        return choices

    @property
    def is_choice(self) -> bool:
        """True when the bot grades the answer itself."""
        return self.choices is not None

    @property
    def correct_index(self) -> int | None:
        """Index (in pack order) of the correct choice, None for open questions."""
        if self.choices is None:
            return None
        return next(i for i, choice in enumerate(self.choices) if choice.correct)


class Pack(BaseModel):
    """The top level of a pack file."""

    model_config = ConfigDict(extra="forbid", title="quizbot question pack")

    questions: list[Question]
