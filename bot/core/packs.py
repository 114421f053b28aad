"""Loading question packs from YAML, with every problem reported as FILE:LINE: id: message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.core.bank import QuestionBank
from bot.core.errors import PackError
from bot.core.questions import (
    MAX_POST_BODY,
    MAX_REVEAL_BODY,
    Difficulty,
    Question,
)

NO_ID = "-"
NEAR_DUPLICATE_RATIO = 0.9
PACK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, located as precisely as the YAML allows."""

    file: str
    line: int
    question_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.question_id}: {self.message}"


@dataclass(frozen=True)
class _Located:
    question: Question
    file: str
    line: int


def expand_pack_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders replaced by their *.yaml / *.yml files in name order."""
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            expanded.extend(sorted(p for p in path.iterdir() if p.suffix in PACK_SUFFIXES))
        else:
            expanded.append(path)
    return expanded


def check_packs(paths: Sequence[Path]) -> tuple[list[Question], list[Problem]]:
    """Parse and validate every pack; returns the valid questions and all problems found."""
    located: list[_Located] = []
    problems: list[Problem] = []
    for path in expand_pack_paths(paths):
        file_questions, file_problems = _check_file(path)
        located.extend(file_questions)
        problems.extend(file_problems)
    problems.extend(_cross_pack_problems(located))
    problems.sort(key=lambda p: (p.file, p.line))
    return [item.question for item in located], problems


def load_bank(paths: Sequence[Path]) -> QuestionBank:
    """The question bank of the given packs, or PackError listing every problem."""
    questions, problems = check_packs(paths)
    if problems:
        raise PackError([str(problem) for problem in problems])
    if not questions:
        raise PackError([f"{', '.join(map(str, paths)) or '(no packs)'}: no questions found"])
    return QuestionBank(questions)


def _check_file(path: Path) -> tuple[list[_Located], list[Problem]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [], [Problem(name, 1, NO_ID, f"cannot read pack: {reason}")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return [], [Problem(name, line, NO_ID, f"YAML syntax error: {reason}")]
    if root is None:
        return [], [Problem(name, 1, NO_ID, "pack is empty: expected a 'questions:' list")]
    questions_node = _mapping_value(root, "questions")
    if not isinstance(root, yaml.MappingNode) or not isinstance(questions_node, yaml.SequenceNode):
        return [], [
            Problem(name, _line(root), NO_ID, "expected a mapping with a 'questions:' list")
        ]

    located: list[_Located] = []
    problems: list[Problem] = [
        Problem(name, _line(node), NO_ID, f"unknown top-level field '{key}'")
        for key, node in _mapping_items(root)
        if key != "questions"
    ]
    for position, node in enumerate(questions_node.value, start=1):
        data = _construct(node)
        qid = _question_label(data, position)
        problems.extend(
            Problem(name, _line(dup), qid, f"field '{key}' appears twice")
            for key, dup in _duplicate_keys(node)
        )
        try:
            question = Question.model_validate(data)
        except ValidationError as exc:
            problems.extend(
                Problem(name, _line(_node_at(node, error["loc"])), qid, _describe(error))
                for error in exc.errors()
            )
            continue
        located.append(_Located(question, name, _line(node)))
        problems.extend(Problem(name, _line(node), qid, msg) for msg in _length_problems(question))
    return located, problems


def _cross_pack_problems(located: list[_Located]) -> list[Problem]:
    problems: list[Problem] = []
    first_by_id: dict[str, _Located] = {}
    for item in located:
        qid = item.question.id
        if qid in first_by_id:
            first = first_by_id[qid]
            problems.append(
                Problem(
                    item.file,
                    item.line,
                    qid,
                    f"duplicate id, first used at {first.file}:{first.line}",
                )
            )
        else:
            first_by_id[qid] = item

    normalized = [(item, _normalized(item.question.prompt)) for item in located]
    for index, (item, text) in enumerate(normalized):
        for earlier, earlier_text in normalized[:index]:
            if _similar(text, earlier_text):
                kind = "duplicate" if text == earlier_text else "near-duplicate"
                problems.append(
                    Problem(
                        item.file,
                        item.line,
                        item.question.id,
                        f"{kind} prompt of '{earlier.question.id}' ({earlier.file}:{earlier.line})",
                    )
                )
                break
    return problems


def _length_problems(question: Question) -> list[str]:
    """Limits that depend on how a post renders, not on one field alone."""
    # Buttons carry only the choice letter, so the 80-character button label limit
    # cannot be reached; the choice texts live in the message body instead.
    problems = []
    choice_lines = sum(len(c.text) + 8 for c in question.choices or [])
    body = len(question.prompt) + choice_lines
    if body > MAX_POST_BODY:
        problems.append(f"prompt and choices are {body} characters, the limit is {MAX_POST_BODY}")
    reveal = (
        body
        + sum(len(line) + 4 for line in question.answer)
        + len(question.explanation)
        + 200  # headings and the tally line
    )
    if reveal > MAX_REVEAL_BODY:
        problems.append(
            f"revealed post would be about {reveal} characters, the limit is {MAX_REVEAL_BODY}"
        )
    return problems


def _describe(error: ErrorDetails) -> str:
    field = _field_path(error["loc"])
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
        return f"unknown difficulty '{value}' (expected one of {levels})"
    if kind == "string_too_short":
        return f"{where}is empty"
    if kind == "string_too_long":
        length = len(str(value).strip())
        return f"{where}is {length} characters, the limit is {ctx.get('max_length')}"
    if kind == "string_pattern_mismatch":
        return f"{where}'{value}' is not a slug (lowercase letters, digits, single hyphens)"
    if kind == "too_short":
        return f"{where}needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"{where}allows at most {ctx.get('max_length')} item(s)"
    if kind == "value_error":
        return f"{where}{ctx.get('error', error['msg'])}"
    return f"{where}{error['msg'].lower()}"


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _question_label(data: Any, position: int) -> str:
    if isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"].strip():
        return str(data["id"])
    return f"question #{position}"


def _normalized(prompt: str) -> str:
    # Case and spacing never make two questions different; operators in code do.
    return " ".join(prompt.lower().split())


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    # The cheap upper bounds reject almost every pair before the real ratio runs.
    return (
        matcher.real_quick_ratio() >= NEAR_DUPLICATE_RATIO
        and matcher.quick_ratio() >= NEAR_DUPLICATE_RATIO
        and matcher.ratio() >= NEAR_DUPLICATE_RATIO
    )


def _construct(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _mapping_items(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(key.value), value) for key, value in node.value]


def _mapping_value(node: yaml.Node, key: str) -> yaml.Node | None:
    return next((value for k, value in _mapping_items(node) if k == key), None)


def _duplicate_keys(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    seen: set[str] = set()
    duplicates = []
    for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else []:
        if key_node.value in seen:
            duplicates.append((str(key_node.value), key_node))
        seen.add(key_node.value)
    return duplicates


def _node_at(node: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    """The deepest YAML node on the error's path, so the line points at the field itself."""
    for part in loc:
        if isinstance(part, int) and isinstance(node, yaml.SequenceNode):
            if part >= len(node.value):
                break
            node = node.value[part]
        elif isinstance(part, str) and isinstance(node, yaml.MappingNode):
            child = _mapping_value(node, part)
            if child is None:
                break
            node = child
        else:
            break
    return node
