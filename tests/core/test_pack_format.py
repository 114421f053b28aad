"""Pack format v2: the topics map, `code`, `expect`, `python` and `note`, and their rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core import packs as packs_module
from bot.core.bank import QuestionBank
from bot.core.packs import check_packs, read_packs
from bot.core.questions import Difficulty

TOPICS = "topics:\n  basics: Syntax and builtins.\n  strings: str methods.\n"
PROGRAM = """\
questions:
  - id: sort-returns-none
    difficulty: entry
    topics: [basics]
    prompt: What does this print?
    code: |
      nums = [3, 1, 2]
      result = nums.sort()
      print(result, nums)
    expect:
      stdout: "None [1, 2, 3]\\n"
    python: ">=3.11"
    note: Written for the tests.
    answer: ["`None [1, 2, 3]`"]
    explanation: list.sort() sorts in place and returns None.
    choices:
      - text: "`None  [1, 2, 3]`"
        correct: true
      - text: "`[1, 2, 3] [1, 2, 3]`"
        why: Assumes sort() returns the list.
      - text: "`None [3, 1, 2]`"
        why: sort() does reorder the list.
"""
RAISES = """\
questions:
  - id: tuple-assignment
    difficulty: entry
    topics: [basics]
    prompt: What happens?
    code: |
      point = (1, 2)
      point[0] = 5
    expect:
      raises: TypeError
    answer: ["A `TypeError`."]
    explanation: Tuples do not support item assignment.
    choices:
      - text: Raises `TypeError`
        correct: true
      - text: Raises `IndexError`
        why: Indexing a tuple for reading works.
      - text: Prints `(5, 2)`
        why: Tuples are immutable.
"""


def problems_of(tmp_path: Path, text: str, name: str = "pack.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    _, problems = check_packs([path])
    return [str(p).replace(str(tmp_path) + "/", "") for p in problems]


def test_a_program_question_with_its_expectation_is_valid(tmp_path: Path) -> None:
    assert problems_of(tmp_path, PROGRAM + TOPICS) == []
    assert problems_of(tmp_path, RAISES + TOPICS) == []
    [question] = read_packs([tmp_path / "pack.yaml"]).questions
    assert question.code == "point = (1, 2)\npoint[0] = 5"
    assert question.expect is not None
    assert question.expect.raises == "TypeError"


def test_an_undeclared_topic_is_reported_at_its_line(tmp_path: Path) -> None:
    text = PROGRAM.replace("topics: [basics]", "topics: [basics, cooking]") + TOPICS
    assert problems_of(tmp_path, text) == [
        "pack.yaml:4: sort-returns-none: topic 'cooking' is not declared in a 'topics:' map"
    ]


def test_topics_from_several_packs_merge(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(PROGRAM, encoding="utf-8")  # declares nothing
    (tmp_path / "b.yaml").write_text(RAISES + TOPICS, encoding="utf-8")
    packs = read_packs([tmp_path])
    assert packs.problems == []
    assert packs.topics == {"basics": "Syntax and builtins.", "strings": "str methods."}
    bank = packs.bank()
    assert bank.topics == {"basics": "Syntax and builtins."}  # only topics that have questions


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  basics: Syntax and builtins.\n",
            "  Basics Topic: Syntax.\n",
            [
                "pack.yaml:4: sort-returns-none: topic 'basics' is not declared in a 'topics:' map",
                "pack.yaml:24: -: topics: 'Basics Topic' is not a slug (lowercase letters, digits, single hyphens)",
            ],
        ),
        (
            "  strings: str methods.\n",
            "  strings: " + "x" * 101 + "\n",
            "pack.yaml:25: -: topics.strings: is 101 characters, the limit is 100",
        ),
        (
            "  basics: Syntax and builtins.\n",
            "  basics: |\n    Two\n    lines\n",
            [
                "pack.yaml:4: sort-returns-none: topic 'basics' is not declared in a 'topics:' map",
                "pack.yaml:24: -: topics.basics: must be one line",
            ],
        ),
        (
            '      stdout: "None [1, 2, 3]\\n"\n',
            '      stdout: "None [1, 2, 3]\\n"\n      raises: TypeError\n',
            "pack.yaml:11: sort-returns-none: expect: give exactly one of 'stdout' or 'raises'",
        ),
        (
            'python: ">=3.11"',
            'python: "3.12 or newer"',
            "pack.yaml:12: sort-returns-none: python: '3.12 or newer' is not a version specifier such as '>=3.12'",
        ),
        (
            '      - text: "`None  [1, 2, 3]`"',
            '      - text: "`None [1, 2, 3] `"\n        correct: false\n      - text: "None"',
            [
                "pack.yaml:17: sort-returns-none: choices[0].text: a wrong choice reads exactly as expect.stdout",
                "pack.yaml:19: sort-returns-none: choices[1].text: the correct choice does not read as expect.stdout ('None [1, 2, 3]')",
            ],
        ),
        (
            '      - text: "`None [3, 1, 2]`"',
            '      - text: "None [1, 2,   3]"',
            "pack.yaml:21: sort-returns-none: choices[2].text: a wrong choice reads exactly as expect.stdout",
        ),
    ],
)
def test_format_rules(tmp_path: Path, old: str, new: str, expected: str | list[str]) -> None:
    text = PROGRAM + TOPICS
    assert old in text
    wanted = expected if isinstance(expected, list) else [expected]
    assert problems_of(tmp_path, text.replace(old, new, 1)) == wanted


def test_expect_needs_code(tmp_path: Path) -> None:
    text = PROGRAM.replace(PROGRAM[PROGRAM.index("    code:") : PROGRAM.index("    expect:")], "")
    assert problems_of(tmp_path, text + TOPICS) == [
        "pack.yaml:2: sort-returns-none: 'expect' needs a 'code' program to run"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "Raises `TypeError`\n",
            "Raises `ValueError`\n",
            "pack.yaml:14: tuple-assignment: choices[0].text: the correct choice does not name TypeError",
        ),
        (
            "Raises `IndexError`",
            "Raises `TypeError` later",
            "pack.yaml:16: tuple-assignment: choices[1].text: a wrong choice names TypeError, the expected exception",
        ),
        (
            "raises: TypeError",
            "raises: Type Error",
            "pack.yaml:10: tuple-assignment: expect.raises: 'Type Error' is not an exception class name",
        ),
    ],
)
def test_raises_rules(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert problems_of(tmp_path, RAISES.replace(old, new, 1) + TOPICS) == [expected]


def test_raises_names_the_class_as_a_whole_word(tmp_path: Path) -> None:
    text = RAISES.replace("Raises `IndexError`", "Raises `TypeErrorish`") + TOPICS
    assert problems_of(tmp_path, text) == []


def test_the_default_pack_needs_choices_and_a_why_for_every_distractor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "questions.yaml"
    monkeypatch.setattr(packs_module, "BUNDLED_PACK", path)
    text = PROGRAM.replace("        why: sort() does reorder the list.\n", "") + TOPICS
    assert problems_of(tmp_path, text, name="questions.yaml") == [
        "questions.yaml:21: sort-returns-none: choices[2]: a wrong choice needs a 'why' in the default pack"
    ]
    open_question = text[: text.index("    choices:")] + TOPICS
    open_question = open_question.replace("    expect:\n", "    expect:\n")
    assert problems_of(tmp_path, open_question, name="questions.yaml") == [
        "questions.yaml:2: sort-returns-none: every question of the default pack needs choices"
    ]
    # The same questions are fine in any other pack.
    assert problems_of(tmp_path, open_question, name="extra.yaml") == []


def test_a_question_outside_its_python_range_is_kept_but_never_drawn(tmp_path: Path) -> None:
    text = PROGRAM.replace('python: ">=3.11"', 'python: "<3.0"') + TOPICS
    assert problems_of(tmp_path, text) == []
    bank = read_packs([tmp_path / "pack.yaml"]).bank()
    assert bank.get("sort-returns-none").python == "<3.0"
    assert bank.matching(None, None) == []
    assert bank.counts_by_difficulty()[Difficulty.ENTRY] == 0
    future = QuestionBank(list(bank), bank.topics, python="2.7.18")
    assert future.matching(None, "basics") == ["sort-returns-none"]


def test_validate_says_how_many_questions_this_python_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(PROGRAM.replace('">=3.11"', '"<3.0"') + TOPICS, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 questions in 1 pack(s)\n1 of them not served on Python 3." in out


def test_validate_with_paths_uses_the_bundled_vocabulary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "draft.yaml"
    path.write_text(PROGRAM, encoding="utf-8")  # no topics map of its own
    assert main(["validate", str(path)]) == 0
    monkeypatch.setenv("QUIZBOT_DEFAULT_PACK", "off")
    assert main(["validate", str(path)]) == 1
    assert "topic 'basics' is not declared" in capsys.readouterr().out


def test_the_readme_example_pack_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Writing a pack\n", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```\n", 1)[0]
    assert problems_of(tmp_path, example) == []
