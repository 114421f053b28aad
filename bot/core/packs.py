"""Loading question packs from YAML, with every problem reported as FILE:LINE: id: message."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

from bot.core.bank import QuestionBank
from bot.core.duplicates import Entry, find_duplicates
from bot.core.errors import PackError
from bot.core.pack_rules import describe, field_path, question_rules
from bot.core.questions import Question, TopicDescription, TopicSlug
from bot.core.yamlnodes import DuplicateKeys, line_of, node_at
from bot.core.yamlsafe import MAX_PACK_BYTES, compose, construct

NO_ID = "-"
PACK_SUFFIXES = (".yaml", ".yml")
BUNDLED_PACK = Path(__file__).resolve().parents[2] / "data" / "questions.yaml"


class _Topic(BaseModel):
    slug: TopicSlug
    text: TopicDescription


_TOPIC = TypeAdapter(_Topic)


def printable(text: str) -> str:
    """Text safe to print: control characters and escapes shown as `\\x1b`, `\\n`, ..."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, located as precisely as the YAML allows."""

    file: str
    line: int
    question_id: str
    message: str

    def __str__(self) -> str:
        # A pack must not be able to forge output lines or drive the terminal.
        text = f"{self.file}:{self.line}: {self.question_id}: {self.message}"
        return printable(text)


@dataclass
class PackSet:
    """Everything read from a set of packs: valid questions, merged topics, all problems."""

    questions: list[Question]
    topics: dict[str, str]
    problems: list[Problem]

    def bank(self) -> QuestionBank:
        """The bank of these questions, or PackError listing every problem."""
        if self.problems:
            raise PackError([str(problem) for problem in self.problems])
        return QuestionBank(self.questions, self.topics)


@dataclass
class _FileResult:
    name: str
    entries: list[Entry] = field(default_factory=list)
    topics: dict[str, str] = field(default_factory=dict)
    # (topic, the question's node, the topic's position, question id): the line of a use
    # is looked up only for a topic that turns out to be undeclared.
    topic_uses: list[tuple[str, Node, int, str]] = field(default_factory=list)
    ids: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bundled: bool = False

    def problem(self, line: int, question_id: str, message: str) -> None:
        self.problems.append(Problem(self.name, line, question_id, message))


def expand_pack_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders replaced by their *.yaml / *.yml files in name order."""
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            expanded.extend(sorted(p for p in path.iterdir() if p.suffix in PACK_SUFFIXES))
        else:
            expanded.append(path)
    return expanded


def read_packs(paths: Sequence[Path], *, vocabulary: Mapping[str, str] | None = None) -> PackSet:
    """Parse and validate every pack; `vocabulary` adds topics declared elsewhere."""
    with _collector_paused():
        return _read_packs(paths, vocabulary)


@contextmanager
def _collector_paused() -> Iterator[None]:
    # Reading builds hundreds of thousands of small objects and no cycles; the cyclic
    # collector would rescan them all again and again (about a third of the time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_packs(paths: Sequence[Path], vocabulary: Mapping[str, str] | None) -> PackSet:
    results = [_check_file(path) for path in expand_pack_paths(paths)]
    problems = [problem for result in results for problem in result.problems]
    problems += [
        Problem(str(path), 1, NO_ID, "folder holds no pack files (*.yaml, *.yml)")
        for path in paths
        if path.is_dir() and not expand_pack_paths([path])
    ]
    topics = dict(vocabulary or {})
    for result in results:
        for slug, description in result.topics.items():
            topics.setdefault(slug, description)
    problems += _cross_pack_problems(results, topics)
    problems.sort(key=lambda p: (p.file, p.line))
    questions = [entry.question for result in results for entry in result.entries]
    return PackSet(questions, dict(sorted(topics.items())), problems)


def check_packs(paths: Sequence[Path]) -> tuple[list[Question], list[Problem]]:
    """Parse and validate every pack; returns the valid questions and all problems found."""
    packs = read_packs(paths)
    return packs.questions, packs.problems


def load_bank(paths: Sequence[Path]) -> QuestionBank:
    """The question bank of the given packs, or PackError listing every problem."""
    packs = read_packs(paths)
    if not packs.problems and not packs.questions:
        raise PackError([f"{', '.join(map(str, paths)) or '(no packs)'}: no questions found"])
    return packs.bank()


def declared_topics(path: Path) -> dict[str, str]:
    """The `topics:` map of one pack, empty when it has none or cannot be read."""
    return _check_file(path).topics


def _check_file(path: Path) -> _FileResult:
    result = _FileResult(str(path))
    try:
        if path.stat().st_size > MAX_PACK_BYTES:
            limit = MAX_PACK_BYTES / 2**20
            result.problem(1, NO_ID, f"cannot read pack: larger than {limit:g} MB")
            return result
        data = path.read_bytes()
    except OSError as exc:
        result.problem(1, NO_ID, f"cannot read pack: {exc.strerror or exc}")
        return result
    composed, yaml_problems = compose(data)
    root = composed.root
    for yaml_problem in yaml_problems:
        result.problem(yaml_problem.line, NO_ID, yaml_problem.message)
    if yaml_problems:
        return result
    if root is None:
        result.problem(1, NO_ID, "pack is empty: expected a 'questions:' list")
        return result
    if not isinstance(root, MappingNode):
        result.problem(line_of(root), NO_ID, "expected a mapping with a 'questions:' list")
        return result
    result.bundled = _is_bundled(result.name)
    _check_top_level(root, result, DuplicateKeys(composed.duplicate_keys))
    return result


def _check_top_level(root: MappingNode, result: _FileResult, duplicates: DuplicateKeys) -> None:
    for key_node in duplicates.within(root, deep=False):
        result.problem(line_of(key_node), NO_ID, f"field '{key_node.value}' appears twice")
    lists: list[Node] = []
    for key_node, value in root.value:
        key = str(key_node.value)
        if key == "questions":
            lists.append(value)
        elif key == "topics":
            _check_topics(value, result, duplicates)
        else:
            result.problem(line_of(key_node), NO_ID, f"unknown top-level field '{key}'")
    if not lists:
        result.problem(line_of(root), NO_ID, "expected a mapping with a 'questions:' list")
    position = 0
    for questions in lists:
        if not isinstance(questions, SequenceNode):
            result.problem(line_of(questions), NO_ID, "'questions' must be a list")
            continue
        for node in questions.value:
            position += 1
            _check_question(node, position, result, duplicates)
    if lists and position == 0:
        result.problem(line_of(lists[0]), NO_ID, "pack has no questions")


def _check_topics(node: Node, result: _FileResult, duplicates: DuplicateKeys) -> None:
    for key_node in duplicates.within(node):
        result.problem(line_of(key_node), NO_ID, f"topic '{key_node.value}' appears twice")
    if not isinstance(node, MappingNode):
        result.problem(line_of(node), NO_ID, "topics: expected a map of slug: one-line description")
        return
    for key_node, value_node in node.value:
        # Each entry stands alone, so one bad entry does not undeclare the others.
        try:
            entry = _TOPIC.validate_python(
                {"slug": construct(key_node), "text": construct(value_node)}
            )
        except yaml.YAMLError as exc:
            result.problem(line_of(key_node), NO_ID, f"topics: {exc}")
        except ValidationError as exc:
            for error in exc.errors():
                on_key = error["loc"][:1] == ("slug",)
                error["loc"] = ("topics",) if on_key else ("topics", str(key_node.value))
                target = key_node if on_key else value_node
                result.problem(line_of(target), NO_ID, describe(error))
        else:
            result.topics.setdefault(entry.slug, entry.text)


def _check_question(
    node: Node, position: int, result: _FileResult, duplicates: DuplicateKeys
) -> None:
    try:
        data = construct(node)
    except yaml.YAMLError as exc:
        result.problem(line_of(node), f"question #{position}", f"YAML error: {exc}")
        return
    qid = _question_label(data, position)
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        result.ids.append((data["id"], line_of(node)))
    for key_node in duplicates.within(node):
        result.problem(line_of(key_node), qid, f"field '{key_node.value}' appears twice")
    try:
        question = Question.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            result.problem(line_of(node_at(node, error["loc"])), qid, describe(error))
        return
    result.entries.append(Entry(question, result.name, line_of(node)))
    result.topic_uses += [(topic, node, index, qid) for index, topic in enumerate(question.topics)]
    for loc, message in question_rules(question, bundled=result.bundled):
        where = f"{field_path(loc)}: " if loc else ""
        result.problem(line_of(node_at(node, loc)), qid, where + message)


def _cross_pack_problems(results: list[_FileResult], topics: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    first_by_id: dict[str, str] = {}
    for result in results:
        for qid, line in result.ids:
            where = f"{result.name}:{line}"
            if qid in first_by_id:
                first = first_by_id[qid]
                problems.append(
                    Problem(result.name, line, qid, f"duplicate id, first used at {first}")
                )
            else:
                first_by_id[qid] = where
        problems += [
            Problem(
                result.name,
                line_of(node_at(node, ("topics", index))),
                qid,
                f"topic '{topic}' is not declared in a 'topics:' map",
            )
            for topic, node, index, qid in result.topic_uses
            if topic not in topics
        ]
    entries = [entry for result in results for entry in result.entries]
    problems += [
        Problem(f.entry.file, f.entry.line, f.entry.question.id, f.message)
        for f in find_duplicates(entries)
    ]
    return problems


def _is_bundled(name: str) -> bool:
    try:
        return Path(name).resolve() == BUNDLED_PACK
    except OSError:
        return False


def _question_label(data: Any, position: int) -> str:
    if isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"].strip():
        return str(data["id"])
    return f"question #{position}"
