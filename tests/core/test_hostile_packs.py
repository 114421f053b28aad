"""Hostile or broken packs get a FILE:LINE message, never a traceback, a hang or forged output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.core.packs import check_packs
from bot.core.yamlsafe import MAX_ALIASES, MAX_DEPTH, MAX_PACK_BYTES, compose, construct

QUESTION = """\
  - id: {qid}
    difficulty: entry
    topics: [basics]
    prompt: {prompt}
    answer: ["3"]
    explanation: len counts the characters of a string.
    choices:
      - text: "3"
        correct: true
      - text: "2"
        why: Off by one.
"""
TOPICS = "topics:\n  basics: Syntax and builtins.\n"


def pack(*questions: str) -> str:
    return TOPICS + "questions:\n" + "".join(questions)


def question(qid: str = "first-question", prompt: str = "What does len('abc') return?") -> str:
    return QUESTION.format(qid=qid, prompt=prompt)


def problems_of(tmp_path: Path, text: str | bytes, name: str = "pack.yaml") -> list[str]:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    _, problems = check_packs([path])
    return [str(p).replace(str(tmp_path) + "/", "") for p in problems]


def laughs(levels: int = 9, width: int = 9) -> str:
    """Anchors each holding `width` aliases of the one before: width**levels leaves."""
    lines = ['l0: &l0 ["lol"]']
    for level in range(1, levels + 1):
        items = ", ".join(f"*l{level - 1}" for _ in range(width))
        lines.append(f"l{level}: &l{level} [{items}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_as_a_mapping_key_is_refused_at_its_line(tmp_path: Path) -> None:
    # Nine aliases of a tree of 9**3 leaves: small for the alias cap, and a key the old
    # loader turned into text, node by node.
    text = laughs(levels=3) + "? *l3\n: 1\n" + pack(question())
    assert problems_of(tmp_path, text) == [
        "pack.yaml:6: -: a mapping key must be a plain value, not a list or mapping"
    ]


def test_billion_laughs_as_a_value_is_refused_by_its_expanded_size(tmp_path: Path) -> None:
    text = laughs(levels=9, width=9).replace("l", "x")  # 81 aliases, 9**9 leaves
    [problem] = problems_of(tmp_path, "x: 1\n" + text.replace("x0: &x0", "x0: &x0"))
    assert problem.startswith("pack.yaml:")
    assert "expands to more than 2,000,000 values via aliases" in problem


def test_the_number_of_aliases_is_capped(tmp_path: Path) -> None:
    aliases = "\n".join(f"a{i}: *name" for i in range(MAX_ALIASES + 1))
    text = "base: &name plain\n" + aliases + "\n" + pack(question())
    assert problems_of(tmp_path, text) == [
        f"pack.yaml:{MAX_ALIASES + 2}: -: more than {MAX_ALIASES} aliases (*name)"
    ]


@pytest.mark.parametrize(
    ("tagged", "tag"),
    [
        ("!!python/object/apply:os.system ['echo owned']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!custom what", "!custom"),
        ("!!binary aGVsbG8=", "!!binary"),
    ],
)
def test_tags_are_refused_with_their_line(tmp_path: Path, tagged: str, tag: str) -> None:
    text = pack(question(prompt=tagged))
    assert problems_of(tmp_path, text) == [
        f"pack.yaml:7: -: tag '{tag}' is not allowed: packs are plain YAML"
    ]


def test_a_complex_key_inside_a_question_is_refused(tmp_path: Path) -> None:
    text = pack(question().replace("    answer:", "    ? [a, b]\n    : 1\n    answer:"))
    assert problems_of(tmp_path, text) == [
        "pack.yaml:9: -: a mapping key must be a plain value, not a list or mapping"
    ]


def test_deep_nesting_is_refused_at_a_bounded_depth(tmp_path: Path) -> None:
    deep = "[" * 100 + "]" * 100
    text = pack(question(prompt=deep))
    assert problems_of(tmp_path, text) == [
        f"pack.yaml:7: -: nesting is deeper than {MAX_DEPTH} levels"
    ]


def test_a_thousand_levels_are_refused_with_the_line(tmp_path: Path) -> None:
    deep = "[" * 1000 + "]" * 1000
    [problem] = problems_of(tmp_path, pack(question(prompt=deep)))
    assert problem.startswith("pack.yaml:7: -: ")
    assert "nesting" in problem


def test_block_nesting_is_refused_too(tmp_path: Path) -> None:
    lines = [f"{'  ' * depth}k{depth}:" for depth in range(100)]
    text = pack(question()) + "\n".join(lines) + " end\n"
    [problem] = problems_of(tmp_path, text)
    assert problem.endswith(f"nesting is deeper than {MAX_DEPTH} levels")


def test_a_duplicate_top_level_questions_list_is_an_error(tmp_path: Path) -> None:
    text = pack(question()) + "questions:\n" + question("second-question", "Another one?")
    assert problems_of(tmp_path, text) == [
        "pack.yaml:15: -: field 'questions' appears twice",
    ]


def test_duplicate_keys_at_any_depth_are_errors(tmp_path: Path) -> None:
    text = pack(
        question().replace("        correct: true", "        correct: true\n        correct: false")
    )
    assert problems_of(tmp_path, text) == [
        "pack.yaml:11: first-question: choices: needs exactly one correct choice, found 0",
        "pack.yaml:13: first-question: field 'correct' appears twice",
    ]
    topics = pack(question()).replace(TOPICS, TOPICS + "  basics: Again.\n")
    assert problems_of(tmp_path, topics) == ["pack.yaml:3: -: topic 'basics' appears twice"]


def test_escape_sequences_in_echoed_text_are_shown_escaped(tmp_path: Path) -> None:
    forged = '"x\\e[2K\\r\\n0 problem(s) found\\u202e"'
    [problem] = problems_of(tmp_path, pack(question(qid=forged)))
    assert not any(char in problem for char in "\x1b\n\r\u202e")
    assert problem.startswith("pack.yaml:4: x\\x1b[2K\\r\\n0 problem(s) found\\u202e: id: ")


def test_control_characters_in_question_text_are_refused(tmp_path: Path) -> None:
    text = pack(question(prompt='"Run \\e[31mthis\\e[0m"'))
    assert problems_of(tmp_path, text) == [
        "pack.yaml:7: first-question: prompt: contains the control character '\\x1b'"
    ]


def test_validate_prints_escaped_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(pack(question(qid='"bad\\nid"')), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert "bad\\nid" in out


def test_a_nul_byte_is_reported_at_its_real_line(tmp_path: Path) -> None:
    text = pack(question(prompt="What does len('a\0bc') return?"))
    assert problems_of(tmp_path, text) == [
        "pack.yaml:7: -: control character '\\x00' at column 29 is not allowed"
    ]


def test_invalid_utf8_is_reported_at_its_line(tmp_path: Path) -> None:
    text = pack(question()).encode("utf-8").replace(b"Off by", b"Off \xff by")
    assert problems_of(tmp_path, text) == ["pack.yaml:14: -: not UTF-8 text (byte 0xff)"]


def test_a_pack_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    text = pack(question()) + "# padding\n" * (MAX_PACK_BYTES // 10 + 1)
    assert problems_of(tmp_path, text) == ["pack.yaml:1: -: cannot read pack: larger than 5 MB"]


def test_one_bad_file_never_stops_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(pack(question(prompt="!!python/object:os.system x")))
    (tmp_path / "b.yaml").write_text("[" * 100 + "]" * 100)
    (tmp_path / "c.yaml").write_text(pack(question("third", "Third?")).replace("entry", "hard"))
    _, problems = check_packs([tmp_path])
    lines = [str(p).replace(str(tmp_path) + "/", "") for p in problems]
    assert lines == [
        "a.yaml:7: -: tag '!!python/object:os.system' is not allowed: packs are plain YAML",
        f"b.yaml:1: -: nesting is deeper than {MAX_DEPTH} levels",
        "c.yaml:5: third: unknown difficulty 'hard' (expected one of entry, junior, mid, senior, expert)",
    ]


def test_validate_fails_on_a_pack_without_questions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(TOPICS + "questions: []\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == f"{path}:3: -: pack has no questions\n"


def test_duplicate_ids_are_reported_even_when_an_entry_has_other_errors(tmp_path: Path) -> None:
    broken = question(prompt="Second?").replace("difficulty: entry", "difficulty: hard")
    assert problems_of(tmp_path, pack(question(), broken)) == [
        "pack.yaml:15: first-question: duplicate id, first used at pack.yaml:4",
        "pack.yaml:16: first-question: unknown difficulty 'hard' (expected one of entry, junior, mid, senior, expert)",
    ]


@pytest.mark.parametrize(
    "scalar",
    ["false", "FALSE", "Yes", "no", "on", "Off", "null", "~", "", "nulls", "no way", "offset",
     "truthful", "t", "2024-01-01", "1.5", ".inf", "0x1f", "+1", "-3", "1_000", "topics"],
)  # fmt: skip
def test_plain_values_are_typed_as_yaml_types_them(scalar: str) -> None:
    # The reader skips YAML's type guessing where only text is possible; never wrongly.
    composed, problems = compose(f"value: {scalar}\n".encode())
    assert problems == []
    assert composed.root is not None
    assert construct(composed.root) == yaml.safe_load(f"value: {scalar}\n")
