"""Every bundled question rendered on Discord, Slack and the console: inert prose, closed code
fences, and every platform limit met, for the open post and the reveal alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.console import render as console
from bot.adapters.discord_app import components
from bot.adapters.discord_app import render as discord_render
from bot.adapters.discord_app.markdown import md
from bot.adapters.slack_app import blocks as slack
from bot.adapters.slack_app.mrkdwn import ZWSP, mrkdwn
from bot.core.model import Post, PostKind, PostView, RevealView, Tally
from bot.core.packs import read_packs
from bot.core.questions import Choice, Question

DATA = Path(__file__).resolve().parents[2] / "data"
QUESTIONS = read_packs(sorted(DATA.glob("*.yaml"))).questions
NOW = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)

DISCORD_EMBED, DISCORD_TITLE, DISCORD_MESSAGE, DISCORD_LABEL = 4096, 256, 2000, 80
SLACK_SECTION, SLACK_BLOCKS, SLACK_BUTTON = 3000, 50, 75

_FENCED = re.compile(r"```.*?```", re.DOTALL)
_SPAN = re.compile(r"(`+)[^\n]*?(?<!`)\1(?!`)")
_CODE_SPANS = re.compile(r"`[^`\n]+`")


@dataclass(frozen=True)
class Rendered:
    """The markdown texts a platform would show for one question."""

    discord: list[str]
    discord_messages: list[str]
    discord_labels: list[str]
    slack: list[str]
    slack_blocks: list[list[dict[str, Any]]]
    console: list[str]


def views(question: Question, kind: PostKind = PostKind.DRAW) -> tuple[PostView, RevealView]:
    count = len(question.choices or [])
    post = Post(
        post_id=7,
        guild_id="g",
        platform="test",
        channel_id="c",
        kind=kind,
        question_id=question.id,
        difficulty=question.difficulty,
        choice_order=tuple(reversed(range(count))),
        posted_at=NOW,
        reveal_at=NOW + timedelta(minutes=1),
        message_id="m",
    )
    tally = Tally(per_choice=dict.fromkeys(range(count), 3), answered=3 * count, correct=3)
    return PostView(post, question), RevealView(post, question, tally)


def render_all(question: Question) -> Rendered:
    view, reveal = views(question)
    private, _ = views(question, PostKind.PRIVATE)
    discord_embeds = [
        discord_render.post_embed(view),
        discord_render.reveal_embed(reveal),
        discord_render.private_result(private, question.correct_index or 0, True),
    ]
    buttons = [*components.post_buttons(view).children, *components.reveal_buttons(reveal).children]
    slack_posts = [
        slack.post_blocks(view),
        slack.reveal_blocks(reveal),
        slack.reveal_blocks(reveal, verdict="Correct"),
        slack.answer_modal(view, "meta")["blocks"],
    ]
    return Rendered(
        discord=[embed.description or "" for embed in discord_embeds],
        discord_messages=[discord_render.model_answer(private)]
        + [embed.title or "" for embed in discord_embeds],
        discord_labels=[label_of(button) for button in buttons],
        slack=[text for post in slack_posts for text in block_texts(post)],
        slack_blocks=slack_posts,
        console=[console.post(view), console.reveal(reveal)],
    )


def label_of(button: object) -> str:
    """The label a (dynamic) button shows."""
    item: Any = getattr(button, "item", button)
    return str(item.label or "")


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = []
    for block in blocks:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts += [element["text"] for element in block["elements"]]
    return texts


def without_code(text: str) -> str:
    return _SPAN.sub("", _FENCED.sub("", text))


def discord_markers(text: str) -> list[str]:
    """Markdown characters Discord would act on in prose (escaped ones removed)."""
    prose = re.sub(r"\\.", "", without_code(text))
    starts = re.findall(r"^[ \t]*[>#]", prose, flags=re.MULTILINE)
    return re.findall(r"[*_~|`]", prose) + starts


def slack_markers(text: str) -> list[str]:
    """Markers Slack would act on in prose: those without a zero-width space before them."""
    prose = without_code(text).replace(ZWSP, "\0")
    starts = re.findall(r"^[ \t]*&gt;", prose, flags=re.MULTILINE)
    return re.findall(r"(?<!\0)[*_~`]", prose) + starts


def plain(question: Question) -> Question:
    """The same question with text that holds no markup: what the renderer adds by itself."""
    choices = [
        Choice(text=f"choice {i}", correct=c.correct, why="reason" if c.why else None)
        for i, c in enumerate(question.choices or [])
    ]
    return question.model_copy(
        update={
            "prompt": "prompt",
            "code": "code" if question.code else None,
            "answer": ["answer"] * len(question.answer),
            "explanation": "explanation",
            "choices": choices or None,
        }
    )


def fences_closed(text: str) -> bool:
    return text.count("```") % 2 == 0


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
async def test_every_question_renders_safely_everywhere(question: Question) -> None:
    got, baseline = render_all(question), render_all(plain(question))
    for text, base in zip(got.discord, baseline.discord, strict=True):
        assert len(text) < DISCORD_EMBED, f"{question.id}: embed of {len(text)} characters"
        assert fences_closed(text), text
        assert discord_markers(text) == discord_markers(base), text
    for text in got.discord_messages:
        assert len(text) <= DISCORD_MESSAGE
        assert fences_closed(text)
    assert all(0 < len(label) <= DISCORD_LABEL for label in got.discord_labels)
    for text, base in zip(got.slack, baseline.slack, strict=True):
        assert len(text) < SLACK_SECTION, f"{question.id}: section of {len(text)} characters"
        assert fences_closed(text), text
        assert slack_markers(text) == slack_markers(base), text
        assert "```python" not in text, "Slack would show the language name as code"
    for post in got.slack_blocks:
        assert len(post) <= SLACK_BLOCKS
        for block in post:
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    assert len(element["text"]["text"]) <= SLACK_BUTTON
    for text in got.console:
        assert fences_closed(text)


MARKUP = (
    "Why does `__init__` run? Not __init__, not *args or **kwargs, ~tilde~ and ||spoiler||.\n"
    "> not a quote\n# not a heading\nA stray ` backtick, <@here> & <!channel>.\n"
    "```python\nprint(2 * 3, 'a_b')\n```\nafter"
)


def test_discord_escapes_prose_and_leaves_code() -> None:
    assert md(MARKUP) == (
        "Why does `__init__` run? Not \\_\\_init\\_\\_, not \\*args or \\*\\*kwargs, "
        "\\~tilde\\~ and \\|\\|spoiler\\|\\|.\n\\> not a quote\n\\# not a heading\n"
        "A stray \\` backtick, <@here> & <!channel>.\n```python\nprint(2 * 3, 'a_b')\n```\nafter"
    )


def test_slack_disarms_markers_and_escapes_entities_everywhere() -> None:
    z = ZWSP
    assert mrkdwn(MARKUP) == (
        f"Why does `__init__` run? Not {z}_{z}_init{z}_{z}_, not {z}*args or {z}*{z}*kwargs, "
        f"{z}~tilde{z}~ and ||spoiler||.\n{z}&gt; not a quote\n# not a heading\n"
        f"A stray {z}` backtick, &lt;@here&gt; &amp; &lt;!channel&gt;.\n"
        "```\nprint(2 * 3, 'a_b')\n```\nafter"
    )


async def test_a_program_follows_the_prompt_as_a_code_block() -> None:
    question = QUESTIONS[0].model_copy(
        update={"prompt": "What does this print?", "code": "x = [1] * 2\nprint(x)"}
    )
    view, reveal = views(question)
    block = "```python\nx = [1] * 2\nprint(x)\n```"
    assert (discord_render.post_embed(view).description or "").startswith(
        f"What does this print?\n{block}\n"
    )
    assert (discord_render.reveal_embed(reveal).description or "").startswith(
        f"What does this print?\n{block}\n"
    )
    assert slack.post_blocks(view)[1]["text"]["text"] == (
        "What does this print?\n```\nx = [1] * 2\nprint(x)\n```"
    )
    assert console.post(view).splitlines()[1:5] == [
        "What does this print?",
        "```python",
        "x = [1] * 2",
        "print(x)",
    ]


async def test_a_maintainer_note_is_never_shown() -> None:
    question = QUESTIONS[0].model_copy(update={"note": "MAINTAINERS-ONLY"})
    got = render_all(question)
    texts = [*got.discord, *got.discord_messages, *got.slack, *got.console]
    assert not [text for text in texts if "MAINTAINERS-ONLY" in text]


async def test_hostile_text_renders_inert_on_both_platforms() -> None:
    question = QUESTIONS[0].model_copy(
        update={
            "prompt": MARKUP,
            "answer": ["*bold* claim", "`ok`"],
            "explanation": "_x_ ~y~ | > z",
            "choices": [
                Choice(text="__slots__", correct=True),
                Choice(text="`a` * b", why="**why** not"),
            ],
        }
    )
    got, baseline = render_all(question), render_all(plain(question))
    for text, base in zip(got.discord, baseline.discord, strict=True):
        assert discord_markers(text) == discord_markers(base)
    for text, base in zip(got.slack, baseline.slack, strict=True):
        assert slack_markers(text) == slack_markers(base)
    assert "<@here>" not in "".join(got.slack)
