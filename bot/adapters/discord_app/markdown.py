"""Pack text as Discord markdown: prose escaped so it shows literally, code left as code."""

from __future__ import annotations

import re

from bot.core.markup import Kind, pieces
from bot.core.questions import Question

# Discord reads these anywhere in prose: emphasis, underline, strike, spoilers, escapes.
_INLINE = re.compile(r"([\\*_~|])")
# ...and these only at the start of a line: quotes and headings.
_LINE_START = re.compile(r"^([ \t]*)([>#])", re.MULTILINE)


def md(text: str) -> str:
    """Text from a pack as Discord shows it: markup characters in prose are escaped."""
    out: list[str] = []
    for piece in pieces(text):
        if piece.kind is Kind.PROSE:
            out.append(_LINE_START.sub(r"\1\\\2", _INLINE.sub(r"\\\1", piece.text)))
        elif piece.kind is Kind.STRAY:
            out.append("\\`" * len(piece.text))
        elif piece.kind is Kind.BLOCK:
            out.append(code_block(piece.text, piece.language))
        else:
            out.append(piece.text)
    return "".join(out)


def code_block(code: str, language: str = "python") -> str:
    """A fenced block; Discord highlights it by the language tag."""
    return f"```{language}\n{code}\n```"


def question_body(question: Question) -> str:
    """The prompt, then the question's program as a python block."""
    body = md(question.prompt)
    if question.code is not None:
        body += "\n" + code_block(question.code)
    return body
