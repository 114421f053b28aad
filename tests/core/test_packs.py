"""The shipped pack, pack validation (every rule, with its exact message and line) and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main, pack_schema
from bot.core.errors import PackError
from bot.core.packs import check_packs, load_bank
from bot.core.questions import Difficulty

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PACK = ROOT / "data" / "questions.yaml"

# The owner's seed page, word for word.
SEED_PROMPTS = [
    "How do you implement asynchronous programming with asyncio?",
    "What are Python coroutines and how are they useful?",
    "How do Python tasks and futures work in concurrency?",
    "How do Python threads differ from processes?",
    "How do you handle synchronization in Python concurrency?",
    "What are Python design patterns and their use cases?",
    "How do Python descriptors, properties, and slots optimize classes?",
    "How do you profile Python applications?",
    "How do you optimize memory in Python?",
    "How do Python weak references help manage memory?",
    "How do Python context managers improve resource handling?",
    "How do you handle advanced exception management in Python?",
    "How do you implement logging for large Python applications?",
    "How do you handle multiprocessing and parallelism efficiently?",
    "How do you implement caching in advanced Python applications?",
    "How do you debug and trace Python applications?",
    "How are configuration and environment variables managed in Python?",
    "How do you handle concurrency in Python web frameworks?",
    "How do you integrate Python with external libraries efficiently?",
]

GOOD = """\
questions:
  - id: first-question
    difficulty: entry
    topics: [basics]
    prompt: What does len("abc") return?
    answer: ["3"]
    explanation: len counts the characters of a string.
    choices:
      - text: "3"
        correct: true
      - text: "2"
        why: Off by one.
topics:
  basics: Syntax and builtins.
"""


def test_shipped_pack_is_valid_with_twenty_choice_questions_per_level() -> None:
    bank = load_bank([DEFAULT_PACK])
    counts = bank.counts_by_difficulty()
    assert all(counts[level] >= 20 for level in Difficulty), counts
    for question in bank:
        assert question.choices is not None, question.id
        assert len(question.choices) == 4, question.id
        wrong = [c for c in question.choices if not c.correct]
        assert all(c.why for c in wrong), f"{question.id}: every distractor says why it is wrong"


def test_seed_questions_are_present_word_for_word() -> None:
    bank = load_bank([DEFAULT_PACK])
    expert_prompts = {q.prompt for q in bank if q.difficulty is Difficulty.EXPERT}
    missing = [p for p in SEED_PROMPTS if p not in expert_prompts]
    assert missing == []


def test_pack_references_the_committed_schema_which_is_current() -> None:
    first_line = DEFAULT_PACK.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=questions.schema.json"
    committed = json.loads((ROOT / "data" / "questions.schema.json").read_text(encoding="utf-8"))
    assert committed == pack_schema(), "run: quizbot schema > data/questions.schema.json"


def problems_of(tmp_path: Path, text: str, name: str = "pack.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    _, problems = check_packs([path])
    return [str(p).replace(str(tmp_path) + "/", "") for p in problems]


def test_a_good_pack_has_no_problems(tmp_path: Path) -> None:
    assert problems_of(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "difficulty: entry",
            "difficulty: hard",
            "pack.yaml:3: first-question: unknown difficulty 'hard' "
            "(expected one of entry, junior, mid, senior, expert)",
        ),
        (
            '    prompt: What does len("abc") return?\n',
            "    prompt: '   '\n",
            "pack.yaml:5: first-question: prompt: is empty",
        ),
        (
            "    explanation: len counts the characters of a string.\n",
            "",
            "pack.yaml:2: first-question: missing field 'explanation'",
        ),
        (
            "    topics: [basics]",
            "    topics: [basics]\n    hint: none",
            "pack.yaml:5: first-question: unknown field 'hint'",
        ),
        (
            "id: first-question",
            "id: First Question",
            "pack.yaml:2: First Question: id: 'First Question' is not a slug (lowercase letters, digits, single hyphens)",
        ),
        (
            "topics: [basics]",
            "topics: []",
            "pack.yaml:4: first-question: topics: needs at least 1 item(s)",
        ),
        (
            "        why: Off by one.",
            "        correct: true",
            "pack.yaml:9: first-question: choices: needs exactly one correct choice, found 2",
        ),
        (
            '      - text: "3"\n        correct: true\n',
            '      - text: "3"\n',
            "pack.yaml:9: first-question: choices: needs exactly one correct choice, found 0",
        ),
        (
            '      - text: "2"',
            '      - text: "3"',
            "pack.yaml:9: first-question: choices: two choices have the same text",
        ),
        (
            '      - text: "2"',
            '      - text: "' + "x" * 201 + '"',
            "pack.yaml:11: first-question: choices[1].text: is 201 characters, the limit is 200",
        ),
        (
            '    answer: ["3"]',
            '    answer: ["3", ""]',
            "pack.yaml:6: first-question: answer[1]: is empty",
        ),
        (
            "    prompt: What",
            "    prompt: What\n    prompt: Which",
            "pack.yaml:6: first-question: field 'prompt' appears twice",
        ),
    ],
)
def test_each_rule_names_the_question_and_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    assert problems_of(tmp_path, GOOD.replace(old, new, 1)) == [expected]


def test_prompt_length_limit(tmp_path: Path) -> None:
    long_prompt = "x" * 1501
    text = GOOD.replace('What does len("abc") return?', long_prompt)
    assert problems_of(tmp_path, text) == [
        "pack.yaml:5: first-question: prompt: is 1501 characters, the limit is 1500"
    ]


def test_rendered_reveal_must_fit_one_discord_embed(tmp_path: Path) -> None:
    text = GOOD.replace('["3"]', "[" + ", ".join(['"' + "a" * 290 + '"'] * 8) + "]").replace(
        "len counts the characters of a string.", "e" * 1900
    )
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("pack.yaml:2: first-question: revealed post would be about ")
    assert problem.endswith("characters, the limit is 4096")


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("    topics: [basics]", "    topics: [basics")
    assert problems_of(tmp_path, text) == [
        "pack.yaml:5: -: YAML syntax error: did not find expected ',' or ']'"
    ]


def test_not_a_pack(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "- just a list\n") == [
        "pack.yaml:1: -: expected a mapping with a 'questions:' list"
    ]
    assert problems_of(tmp_path, "") == [
        "pack.yaml:1: -: pack is empty: expected a 'questions:' list"
    ]
    assert problems_of(tmp_path, GOOD + "extras: 1\n") == [
        "pack.yaml:15: -: unknown top-level field 'extras'"
    ]


def test_unreadable_pack_is_one_line(tmp_path: Path) -> None:
    _, problems = check_packs([tmp_path / "missing.yaml"])
    assert [str(p) for p in problems] == [
        f"{tmp_path}/missing.yaml:1: -: cannot read pack: No such file or directory"
    ]


def test_duplicates_across_packs(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    second = GOOD.replace('What does len("abc") return?', "What does len('abc') return ?")
    (tmp_path / "b.yaml").write_text(second, encoding="utf-8")
    third = GOOD.replace("first-question", "third-question").replace(
        'What does len("abc") return?', 'What does len("abcd") return?'
    )
    (tmp_path / "c.yaml").write_text(third, encoding="utf-8")
    _, problems = check_packs([tmp_path])  # a folder expands to its packs
    lines = [str(p).replace(str(tmp_path) + "/", "") for p in problems]
    assert lines == [
        "b.yaml:2: first-question: duplicate id, first used at a.yaml:2",
        "b.yaml:2: first-question: near-duplicate prompt of 'first-question' (a.yaml:2)",
        "c.yaml:2: third-question: near-duplicate prompt of 'first-question' (a.yaml:2)",
    ]


def test_bot_refuses_to_start_on_an_invalid_pack(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(GOOD.replace("difficulty: entry", "difficulty: hard"), encoding="utf-8")
    with pytest.raises(PackError) as refused:
        load_bank([path])
    assert refused.value.problems == [
        f"{path}:3: first-question: unknown difficulty 'hard' "
        "(expected one of entry, junior, mid, senior, expert)"
    ]


def test_validate_command_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(GOOD.replace("difficulty: entry", "difficulty: hard"), encoding="utf-8")

    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert "1 questions in 1 pack(s)" in out
    assert "  entry       1" in out
    assert "  basics                      1" in out

    assert main(["validate", str(bad)]) == 1
    captured = capsys.readouterr()
    assert (
        captured.out
        == f"{bad}:3: first-question: unknown difficulty 'hard' (expected one of entry, junior, mid, senior, expert)\n"
    )
    assert "1 problem(s) found" in captured.err

    assert main(["validate", str(tmp_path / "nope.yaml")]) == 1


def test_validate_defaults_to_the_shipped_pack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "by difficulty:" in out
    assert "by topic:" in out


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == pack_schema()
