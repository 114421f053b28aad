"""Question and pack models, with the limits that the chat platforms impose."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
EXCEPTION_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

# Discord: an embed description holds 4096 characters, a button label 80, and a
# choice list renders as "A) text" lines in the body with letter-only buttons, so a
# choice may be longer than a label. Slack sections hold 3000; the post body (prompt,
# code and choices) stays under 2800 so escaping and labels still fit there.
MAX_PROMPT = 1500
MAX_CODE = 2000
MAX_CHOICE = 200
MAX_WHY = 300
MAX_ANSWER_LINE = 300
MAX_EXPLANATION = 2000
MAX_NOTE = 2000
MAX_STDOUT = 500
MAX_TOPIC_DESCRIPTION = 100
MAX_POST_BODY = 2800
MAX_REVEAL_BODY = 4096
MAX_BUTTON_LABEL = 80
MIN_CHOICES = 2
MAX_CHOICES = 5
CHOICE_LETTERS = "ABCDE"

# C0/C1 controls other than tab and newline, and the bidirectional overrides that make
# code read differently from how it runs ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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


def _no_control_characters(text: str) -> str:
    found = _CONTROL.search(text)
    if found is not None:
        raise ValueError(f"contains the control character {found.group()!r}")
    return text


def _one_line(text: str) -> str:
    if "\n" in text:
        raise ValueError("must be one line")
    return text


def _python_specifier(text: str) -> str:
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        raise ValueError(f"'{text}' is not a version specifier such as '>=3.12'") from None
    return text


def _text(max_length: int) -> StringConstraints:
    # A whitespace-only string is as empty as "" to the reader, so strip before counting.
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=64)]
TopicSlug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=32)]
Clean = AfterValidator(_no_control_characters)
PromptText = Annotated[str, _text(MAX_PROMPT), Clean]
ChoiceText = Annotated[str, _text(MAX_CHOICE), Clean]
WhyText = Annotated[str, _text(MAX_WHY), Clean]
AnswerLine = Annotated[str, _text(MAX_ANSWER_LINE), Clean]
ExplanationText = Annotated[str, _text(MAX_EXPLANATION), Clean]
NoteText = Annotated[str, _text(MAX_NOTE), Clean]
# Code keeps its indentation, so only trailing blank lines are dropped.
CodeText = Annotated[
    str, AfterValidator(str.rstrip), StringConstraints(min_length=1, max_length=MAX_CODE), Clean
]
TopicDescription = Annotated[str, _text(MAX_TOPIC_DESCRIPTION), Clean, AfterValidator(_one_line)]
PythonSpecifier = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_python_specifier)
]


class Choice(BaseModel):
    """One option of a choice question; `why` explains what a distractor gets wrong."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: ChoiceText
    correct: bool = False
    why: WhyText | None = None


class Expect(BaseModel):
    """What running `code` does: exactly one of the printed output or the escaping exception."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stdout: Annotated[str, StringConstraints(max_length=MAX_STDOUT), Clean] | None = Field(
        default=None, description="The exact standard output of `python code.py`."
    )
    raises: Annotated[str, StringConstraints(pattern=EXCEPTION_NAME_PATTERN)] | None = Field(
        default=None, description="The class name of the exception that ends the program."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Expect:
        if (self.stdout is None) == (self.raises is None):
            raise ValueError("give exactly one of 'stdout' or 'raises'")
        return self


class Question(BaseModel):
    """A question as written in a pack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug = Field(description="Stable slug, unique across all packs.")
    difficulty: Difficulty
    topics: list[TopicSlug] = Field(
        min_length=1, max_length=6, description="Slugs declared in a pack's `topics:` map."
    )
    prompt: PromptText
    code: CodeText | None = Field(
        default=None, description="A complete Python program, shown under the prompt."
    )
    expect: Expect | None = Field(
        default=None, description="What `code` does when run; the key is checked against it."
    )
    python: PythonSpecifier | None = Field(
        default=None,
        description="Interpreters the question holds for, e.g. '>=3.12'; others never serve it.",
    )
    answer: list[AnswerLine] = Field(min_length=1, max_length=8)
    explanation: ExplanationText
    choices: list[Choice] | None = Field(
        default=None,
        min_length=MIN_CHOICES,
        max_length=MAX_CHOICES,
        description="With choices the bot grades; without, members answer in free text.",
    )
    note: NoteText | None = Field(
        default=None, description="For maintainers only; never shown in chat."
    )

    @field_validator("choices")
    @classmethod
    def _one_correct_choice(cls, choices: list[Choice] | None) -> list[Choice] | None:
        if choices is not None:
            correct = sum(choice.correct for choice in choices)
            if correct != 1:
                raise ValueError(f"needs exactly one correct choice, found {correct}")
            # Case counts: `['A', 'c']` and `['a', 'c']` are different program outputs.
            texts = [" ".join(choice.text.split()) for choice in choices]
            if len(set(texts)) != len(texts):
                raise ValueError("two choices have the same text")
        return choices

    @model_validator(mode="after")
    def _expect_needs_code(self) -> Question:
        if self.expect is not None and self.code is None:
            raise ValueError("'expect' needs a 'code' program to run")
        return self

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

    def runs_on(self, version: str) -> bool:
        """True when the question holds on this Python version (e.g. '3.12.1')."""
        return self.python is None or SpecifierSet(self.python).contains(version)


class Pack(BaseModel):
    """The top level of a pack file."""

    model_config = ConfigDict(extra="forbid", title="quizbot question pack")

    topics: dict[TopicSlug, TopicDescription] | None = Field(
        default=None,
        description="The topic vocabulary: slug -> one-line description. Packs' maps merge.",
    )
    questions: list[Question] = Field(min_length=1)


def collapse(text: str) -> str:
    """Text compared the way keys are: backticks dropped, whitespace runs as one space."""
    return " ".join(text.replace("`", "").split())


def names_exception(text: str, name: str) -> bool:
    """True when the text names the exception class as a word of its own."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) is not None
