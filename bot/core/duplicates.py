"""Finding questions that repeat each other, in near-linear time (MinHash + LSH)."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rensa import RMinHash, RMinHashLSH

from bot.core.questions import Question, collapse

NEAR_DUPLICATE_RATIO = 0.9
# Candidates come from LSH over word shingles; the MinHash estimate of their Jaccard
# similarity screens out chance collisions before the exact (and costlier) character ratio.
NUM_PERM = 64
LSH_BANDS = 16  # of 4 rows each: candidates from a Jaccard similarity of about 0.5 up
MIN_JACCARD = 0.3
SEED = 20240611

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Entry:
    """A question and where it was read, for messages that point at the earlier one."""

    question: Question
    file: str
    line: int

    @property
    def where(self) -> str:
        """FILE:LINE of the question."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Finding:
    """A later question that repeats an earlier one."""

    entry: Entry
    message: str


def find_duplicates(entries: Sequence[Entry]) -> list[Finding]:
    """Each question that repeats an earlier one: near-same text, same code, same prompt and key."""
    near = _near_duplicate_texts(entries)
    # A question already reported as a copy of another's text needs no second message.
    reported = {id(finding.entry) for finding in near}
    others = [*_same_code(entries), *_same_prompt_and_key(entries)]
    return [*near, *(finding for finding in others if id(finding.entry) not in reported)]


def shown_text(question: Question) -> str:
    """What a reader compares: the prompt and the program, case and spacing ignored."""
    text = question.prompt if question.code is None else f"{question.prompt}\n{question.code}"
    return " ".join(text.lower().split())


def _near_duplicate_texts(entries: Sequence[Entry]) -> list[Finding]:
    texts = [shown_text(entry.question) for entry in entries]
    signatures = RMinHash.from_token_sets([_shingles(text) for text in texts], NUM_PERM, SEED)
    lsh = RMinHashLSH(MIN_JACCARD, NUM_PERM, LSH_BANDS)
    lsh.insert_many(signatures)
    first_of: dict[str, int] = {}
    findings: list[Finding] = []
    # Every question is indexed at once, so a candidate list also names later questions:
    # only an earlier one is reported, as the copy is the one that came second.
    for index, (entry, text, found) in enumerate(
        zip(entries, texts, lsh.query_all(signatures), strict=True)
    ):
        earlier = first_of.get(text)
        if earlier is None:
            earlier = _similar_earlier(index, texts, found, signatures)
        if earlier is not None:
            other = entries[earlier]
            kind = "duplicate" if texts[earlier] == text else "near-duplicate"
            message = f"{kind} prompt of '{other.question.id}' ({other.where})"
            findings.append(Finding(entry, message))
        first_of.setdefault(text, index)
    return findings


def _similar_earlier(
    index: int, texts: list[str], found: list[int], signatures: list[RMinHash]
) -> int | None:
    signature = signatures[index]
    for candidate in sorted(found):
        if candidate >= index:
            break
        if signature.jaccard(signatures[candidate]) >= MIN_JACCARD and _similar(
            texts[index], texts[candidate]
        ):
            return candidate
    return None


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(text)
    return {*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))}


def _similar(a: str, b: str) -> bool:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    # The cheap upper bounds reject most candidates before the real ratio runs.
    return (
        matcher.real_quick_ratio() >= NEAR_DUPLICATE_RATIO
        and matcher.quick_ratio() >= NEAR_DUPLICATE_RATIO
        and matcher.ratio() >= NEAR_DUPLICATE_RATIO
    )


def _same_code(entries: Sequence[Entry]) -> list[Finding]:
    first: dict[str, Entry] = {}
    findings = []
    for entry in entries:
        code = entry.question.code
        if code is None:
            continue
        key = normalized_code(code)
        if key in first:
            other = first[key]
            message = f"same code as '{other.question.id}' ({other.where})"
            findings.append(Finding(entry, message))
        else:
            first[key] = entry
    return findings


def normalized_code(code: str) -> str:
    """A program with spacing, blank lines and whole-line comments ignored."""
    lines = (" ".join(line.split()) for line in code.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("#"))


def _same_prompt_and_key(entries: Sequence[Entry]) -> list[Finding]:
    # With a program the prompt is often just "What does this print?", so only questions
    # without code can repeat each other through their prompt and key alone.
    first: dict[tuple[str, str], Entry] = {}
    findings = []
    for entry in entries:
        question = entry.question
        if question.code is not None or question.choices is None:
            continue
        correct = question.choices[question.correct_index or 0].text
        key = (" ".join(_WORD.findall(question.prompt.lower())), collapse(correct).lower())
        if key in first:
            other = first[key]
            message = f"same prompt and correct answer as '{other.question.id}' ({other.where})"
            findings.append(Finding(entry, message))
        else:
            first[key] = entry
    return findings
