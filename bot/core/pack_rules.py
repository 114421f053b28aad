"""Rules a valid question must also meet (keys, rendered lengths, the default pack's bar)."""

from __future__ import annotations

from pydantic_core import ErrorDetails

from bot.core.questions import (
    MAX_POST_BODY,
    MAX_REVEAL_BODY,
    Difficulty,
    Question,
    collapse,
    names_exception,
)

Loc = tuple[int | str, ...]
SLACK_SECTION = 3000
MAX_ECHO = 60

# Rendering escapes markup: a backslash before `*_~|\` and stray backticks on Discord,
# `&amp;` `&lt;` `&gt;` and a zero-width space before `*_~` on Slack. Budget the worst case.
_ESCAPE_COST = {"&": 4, "<": 3, ">": 3, "*": 1, "_": 1, "~": 1, "|": 1, "`": 1, "\\": 1}


def question_rules(question: Question, *, bundled: bool) -> list[tuple[Loc, str]]:
    """Each rule the question breaks, as (where in the question, message)."""
    problems = _length_problems(question) + _key_problems(question)
    if bundled:
        problems += _bundled_problems(question)
    return problems


def rendered_length(text: str) -> int:
    """The most characters `text` can take once a platform has escaped its markup."""
    # Counting is far cheaper than building the escaped copy, and most texts lack most marks.
    length = len(text)
    for char, cost in _ESCAPE_COST.items():
        if char in text:
            length += text.count(char) * cost
    return length


def _length_problems(question: Question) -> list[tuple[Loc, str]]:
    """Limits that depend on how a post renders, not on one field alone."""
    # Buttons carry only the choice letter, so the 80-character button label limit
    # cannot be reached; the choice texts live in the message body instead.
    problems: list[tuple[Loc, str]] = []
    choices = question.choices or []
    body = (
        rendered_length(question.prompt)
        + rendered_length(question.code or "")
        + sum(rendered_length(choice.text) for choice in choices)
    )
    if body > MAX_POST_BODY:
        problems.append(
            ((), f"prompt, code and choices render to about {body} characters, "
                 f"the limit is {MAX_POST_BODY}")
        )  # fmt: skip
    reveal = (
        body
        + 20 * len(choices)  # letters, marks and counts
        + sum(rendered_length(line) + 4 for line in question.answer)
        + rendered_length(question.explanation)
        + 200  # headings and the tally line
    )
    if reveal > MAX_REVEAL_BODY:
        problems.append(
            (
                (),
                f"revealed post would be about {reveal} characters, the limit is {MAX_REVEAL_BODY}",
            )
        )
    reasons = sum(
        rendered_length(choice.text) + rendered_length(choice.why or "") + 40 for choice in choices
    )
    if reasons > SLACK_SECTION:
        problems.append(
            (("choices",), f"choices with their 'why' render to about {reasons} characters, "
                           f"the limit is {SLACK_SECTION}")
        )  # fmt: skip
    return problems


def _key_problems(question: Question) -> list[tuple[Loc, str]]:
    """With `expect`, the correct choice must be what the program does, and only it."""
    expect, choices = question.expect, question.choices
    if expect is None or choices is None:
        return []
    correct = question.correct_index or 0
    problems: list[tuple[Loc, str]] = []
    if expect.stdout is not None:
        wanted = collapse(expect.stdout)
        if collapse(choices[correct].text) != wanted:
            problems.append(
                (("choices", correct, "text"),
                 f"the correct choice does not read as expect.stdout ('{_echo(wanted)}')")
            )  # fmt: skip
        problems += [
            (("choices", index, "text"), "a wrong choice reads exactly as expect.stdout")
            for index, choice in enumerate(choices)
            if index != correct and collapse(choice.text) == wanted
        ]
    elif expect.raises is not None:
        name = expect.raises
        if not names_exception(choices[correct].text, name):
            problems.append(
                (("choices", correct, "text"), f"the correct choice does not name {name}")
            )
        problems += [
            (("choices", index, "text"), f"a wrong choice names {name}, the expected exception")
            for index, choice in enumerate(choices)
            if index != correct and names_exception(choice.text, name)
        ]
    return problems


def _bundled_problems(question: Question) -> list[tuple[Loc, str]]:
    """The default pack's bar: every question graded, every distractor explained."""
    if question.choices is None:
        return [((), "every question of the default pack needs choices")]
    return [
        (("choices", index), "a wrong choice needs a 'why' in the default pack")
        for index, choice in enumerate(question.choices)
        if not choice.correct and choice.why is None
    ]


def describe(error: ErrorDetails) -> str:
    """A pydantic error as one short sentence naming the field."""
    field = field_path(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    where = f"{field}: " if field else ""
    if kind == "missing":
        return f"missing field '{field}'"
    if kind == "extra_forbidden":
        return f"unknown field '{field}'"
    if kind == "enum" and field == "difficulty":
        levels = ", ".join(level.value for level in Difficulty)
        return f"unknown difficulty '{_echo(value)}' (expected one of {levels})"
    if kind == "string_too_short":
        return f"{where}is empty"
    if kind == "string_too_long":
        length = len(str(value).strip())
        return f"{where}is {length} characters, the limit is {ctx.get('max_length')}"
    if kind == "string_pattern_mismatch":
        if field.startswith("expect."):
            return f"{where}'{_echo(value)}' is not an exception class name"
        return f"{where}'{_echo(value)}' is not a slug (lowercase letters, digits, single hyphens)"
    if kind == "too_short":
        return f"{where}needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"{where}allows at most {ctx.get('max_length')} item(s)"
    if kind == "value_error":
        return f"{where}{ctx.get('error', error['msg'])}"
    return f"{where}{error['msg'].lower()}"


def field_path(loc: Loc) -> str:
    """A pydantic location as written in YAML terms: `choices[1].text`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _echo(value: object) -> str:
    # Only short text is repeated back; a huge or nested value is named by its type.
    if not isinstance(value, str):
        return type(value).__name__
    return value if len(value) <= MAX_ECHO else value[: MAX_ECHO - 1] + "…"
