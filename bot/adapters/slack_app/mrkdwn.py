"""Pack text as Slack mrkdwn: prose made inert (entities, no emphasis), code left as code."""

from __future__ import annotations

import re

from bot.core.markup import Kind, pieces
from bot.core.questions import Question

# Slack has no backslash escape. A zero-width space in front of a marker means it no
# longer starts or ends a word, so `*`, `_` and `~` show as themselves.
ZWSP = "\u200b"
_MARKERS = re.compile(r"([*_~])")
_QUOTE = re.compile(r"^([ \t]*)(&gt;)", re.MULTILINE)


def escape(text: str) -> str:
    """Make text inert for mrkdwn: no mention, channel ping or link can be smuggled in."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_name(name: str) -> str:
    """A member's name shown literally: no entity, mention, emphasis or code span."""
    return re.sub(r"([*_~`])", ZWSP + r"\1", escape(name))


def mrkdwn(text: str) -> str:
    """Text from a pack as Slack shows it: entities escaped, emphasis markers disarmed."""
    out: list[str] = []
    for piece in pieces(text):
        if piece.kind is Kind.PROSE:
            prose = _MARKERS.sub(ZWSP + r"\1", escape(piece.text))
            out.append(_QUOTE.sub(r"\1" + ZWSP + r"\2", prose))
        elif piece.kind is Kind.STRAY:
            out.append(ZWSP + piece.text)
        elif piece.kind is Kind.BLOCK:
            out.append(code_block(piece.text))
        else:
            out.append(escape(piece.text))
    return "".join(out)


def code_block(code: str) -> str:
    """A fenced block; Slack shows an info string as text, so there is none."""
    return f"```\n{escape(code)}\n```"


def question_body(question: Question) -> str:
    """The prompt, then the question's program as a code block."""
    body = mrkdwn(question.prompt)
    if question.code is not None:
        body += "\n" + code_block(question.code)
    return body
