"""Splitting pack text into prose, inline code and fenced blocks, so only prose is escaped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

FENCE = "```"
_TICKS = re.compile(r"`+")


class Kind(StrEnum):
    """What a piece of text is to a markdown renderer."""

    PROSE = "prose"
    CODE = "code"  # an inline span, delimiters included
    BLOCK = "block"  # a fenced block: `text` is its body, `language` its info string
    STRAY = "stray"  # backticks that open nothing and must show as themselves


@dataclass(frozen=True)
class Piece:
    """One run of text of a single kind."""

    kind: Kind
    text: str
    language: str = ""


def pieces(text: str) -> list[Piece]:
    """The text as prose, code spans, fenced blocks and stray backticks, in order."""
    out: list[Piece] = []
    lines = text.split("\n")
    prose: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        close = _closing_fence(lines, index) if line.strip().startswith(FENCE) else None
        if close is None:
            prose.append(line)
            index += 1
            continue
        if prose:
            out += _inline("\n".join(prose) + "\n")
            prose = []
        language = line.strip()[len(FENCE) :].strip()
        out.append(Piece(Kind.BLOCK, "\n".join(lines[index + 1 : close]), language))
        index = close + 1
        if index < len(lines):
            out.append(Piece(Kind.PROSE, "\n"))
    if prose:
        out += _inline("\n".join(prose))
    return [piece for piece in out if piece.text or piece.kind is Kind.BLOCK]


def _closing_fence(lines: list[str], start: int) -> int | None:
    opener = lines[start].strip()
    if FENCE in opener[len(FENCE) :]:
        return None  # ```x``` on one line is an inline span, not a block
    for index in range(start + 1, len(lines)):
        if lines[index].strip() == FENCE:
            return index
    return None


def _inline(text: str) -> list[Piece]:
    out: list[Piece] = []
    position = 0
    while True:
        opener = _TICKS.search(text, position)
        if opener is None:
            break
        closer = _TICKS.search(text, opener.end())
        while closer is not None and len(closer.group()) != len(opener.group()):
            closer = _TICKS.search(text, closer.end())
        if closer is None or "\n" in text[opener.end() : closer.start()]:
            # Chat clients close a span on its own line only; otherwise it is literal.
            out += [
                Piece(Kind.PROSE, text[position : opener.start()]),
                Piece(Kind.STRAY, opener.group()),
            ]
            position = opener.end()
            continue
        out.append(Piece(Kind.PROSE, text[position : opener.start()]))
        out.append(Piece(Kind.CODE, text[opener.start() : closer.end()]))
        position = closer.end()
    out.append(Piece(Kind.PROSE, text[position:]))
    return [piece for piece in out if piece.text]
