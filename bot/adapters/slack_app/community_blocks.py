"""Block Kit of the community features: the suggestion modal, review posts, the recap."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack_app.blocks import Block, context, escape, section, slack_date
from bot.adapters.slack_app.mrkdwn import mrkdwn, question_body
from bot.core.community_admin import CommunityStatus
from bot.core.community_model import Recap, Suggestion, SuggestionStatus
from bot.core.errors import InvalidInput
from bot.core.parsing import DAY_NAMES
from bot.core.questions import (
    CHOICE_LETTERS,
    MAX_CHOICE,
    MAX_EXPLANATION,
    MAX_PROMPT,
    MAX_WHY,
    Difficulty,
)
from bot.core.suggestion_form import SuggestionForm
from bot.core.text import board_figure

FORM_CALLBACK = "quiz:suggest"
REVIEW_ACTION = re.compile(r"^quiz:sg:(ok|edit|no):(\d+)$")
# The modal's inputs: (block id, label, limit, multiline); the value sits under action "v".
FIELDS = (
    ("topics", "Topics (comma-separated, e.g. asyncio, closures)", 200, False),
    ("prompt", "Question", MAX_PROMPT, True),
    ("correct", "Correct answer", MAX_CHOICE, False),
    ("wrong1", "Wrong answer 1", MAX_CHOICE, False),
    ("why1", "Why wrong answer 1 is wrong", MAX_WHY, True),
    ("wrong2", "Wrong answer 2", MAX_CHOICE, False),
    ("why2", "Why wrong answer 2 is wrong", MAX_WHY, True),
    ("wrong3", "Wrong answer 3", MAX_CHOICE, False),
    ("why3", "Why wrong answer 3 is wrong", MAX_WHY, True),
    ("explanation", "Explanation", MAX_EXPLANATION, True),
)
# Where the validator's problems show in the modal, by the label they start with.
_PROBLEM_BLOCKS = (
    ("Unknown difficulty", "level"),
    ("Level", "level"),
    ("Topic", "topics"),
    ("Unknown topic", "topics"),
    ("Question", "prompt"),
    ("Correct answer", "correct"),
    ("Why wrong answer 1", "why1"),
    ("Why wrong answer 2", "why2"),
    ("Why wrong answer 3", "why3"),
    ("Wrong answer 1", "wrong1"),
    ("Wrong answer 2", "wrong2"),
    ("Wrong answer 3", "wrong3"),
    ("Choices", "wrong1"),
    ("Explanation", "explanation"),
)


@dataclass(frozen=True)
class FormContext:
    """What the suggestion modal remembers: where it was opened, and what it edits."""

    channel_id: str
    editing: int | None = None

    def dump(self) -> str:
        """As the modal's private_metadata."""
        return json.dumps({"channel": self.channel_id, "edit": self.editing})

    @classmethod
    def load(cls, text: str) -> FormContext:
        """From the modal's private_metadata."""
        try:
            data = json.loads(text)
            edit = data.get("edit")
            return cls(str(data["channel"]), int(edit) if edit is not None else None)
        except (ValueError, KeyError, TypeError):
            raise InvalidInput("This form is out of date: open it again.") from None


def _option(level: str) -> Block:
    return {"text": {"type": "plain_text", "text": level}, "value": level}


def form_modal(meta: FormContext, form: SuggestionForm | None = None) -> Block:
    """The suggestion form in one modal (Slack allows many inputs), filled in for an edit."""
    values = _form_values(form) if form else {}
    level: Block = {
        "type": "static_select",
        "action_id": "v",
        "options": [_option(d.value) for d in Difficulty],
    }
    if form is not None and form.level in {d.value for d in Difficulty}:
        level["initial_option"] = _option(form.level)
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": "level",
            "label": {"type": "plain_text", "text": "Level"},
            "element": level,
        }
    ]
    for block_id, label, limit, multiline in FIELDS:
        element: Block = {
            "type": "plain_text_input",
            "action_id": "v",
            "multiline": multiline,
            "max_length": limit,
        }
        if values.get(block_id):
            element["initial_value"] = values[block_id]
        blocks.append(
            {
                "type": "input",
                "block_id": block_id,
                "label": {"type": "plain_text", "text": label},
                "element": element,
            }
        )
    title = f"Edit suggestion #{meta.editing}" if meta.editing else "Suggest a question"
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": meta.dump(),
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": "Save" if meta.editing else "Suggest"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _form_values(form: SuggestionForm) -> dict[str, str]:
    return {
        "topics": form.topics,
        "prompt": form.prompt,
        "correct": form.correct,
        **{f"wrong{n}": text for n, text in enumerate(form.wrong, start=1)},
        **{f"why{n}": text for n, text in enumerate(form.why, start=1)},
        "explanation": form.explanation,
    }


def read_form(state: dict[str, Any]) -> SuggestionForm:
    """The submitted modal's values as a form (missing values read as empty)."""

    def value(block_id: str) -> str:
        element = (state.get(block_id) or {}).get("v") or {}
        if element.get("type") == "static_select":
            return str((element.get("selected_option") or {}).get("value") or "")
        return str(element.get("value") or "")

    return SuggestionForm(
        level=value("level"),
        topics=value("topics"),
        prompt=value("prompt"),
        correct=value("correct"),
        wrong=(value("wrong1"), value("wrong2"), value("wrong3")),
        why=(value("why1"), value("why2"), value("why3")),
        explanation=value("explanation"),
    )


def field_errors(problems: list[str]) -> dict[str, str]:
    """The validator's problems under the inputs they concern (the rest under the question)."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        block = next((b for label, b in _PROBLEM_BLOCKS if problem.startswith(label)), "prompt")
        errors.setdefault(block, []).append(problem)
    # Slack shows at most 150 characters per input error.
    return {block: " ".join(texts)[:150] for block, texts in errors.items()}


def review_blocks(suggestion: Suggestion) -> list[Block]:
    """A suggestion as reviewers see it, with Approve / Edit / Reject while pending."""
    q = suggestion.question
    approved = suggestion.status is SuggestionStatus.APPROVED
    lines = []
    for letter, choice in zip(CHOICE_LETTERS, [] if approved else q.choices or [], strict=False):
        if choice.correct:
            lines.append(f":white_check_mark: *{letter})* {mrkdwn(choice.text)}")
        else:
            lines.append(f":heavy_minus_sign: {letter}) {mrkdwn(choice.text)}")
            if choice.why:
                lines.append(f"      why not: {mrkdwn(choice.why)}")
    head = (
        f"*Suggestion #{suggestion.suggestion_id}* · `{q.difficulty.value}` · "
        f"{', '.join(escape(t) for t in q.topics)} · by {escape(suggestion.author.name)}"
    )
    blocks = [context(head), section(question_body(q))]
    if approved:
        # Served now: the review channel must not become the place to look answers up.
        blocks.append(context("The answers are hidden now that this question is served here."))
    else:
        blocks.append(section("\n".join(lines)))
        blocks.append(section(f"*Explanation*\n{mrkdwn(q.explanation)}"))
    if suggestion.status is SuggestionStatus.PENDING:
        sid = suggestion.suggestion_id
        blocks.append(
            {
                "type": "actions",
                "block_id": f"sg:{sid}",
                "elements": [
                    _button("Approve", f"quiz:sg:ok:{sid}", "primary"),
                    _button("Edit", f"quiz:sg:edit:{sid}", None),
                    _button("Reject", f"quiz:sg:no:{sid}", "danger"),
                ],
            }
        )
    else:
        verdict = (
            f"{suggestion.status.value.capitalize()} by {escape(suggestion.reviewer_name or '?')}"
        )
        if suggestion.status is SuggestionStatus.APPROVED:
            verdict += f"; served here as `{suggestion.question_id}`"
        blocks.append(context(verdict))
    return blocks


def _button(text: str, action_id: str, style: str | None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": action_id,
    }
    if style:
        button["style"] = style
    return button


def recap_blocks(recap: Recap, hardest_link: str | None) -> list[Block]:
    """The weekly recap as text (Slack gets no picture: uploading needs another scope)."""
    top = [f"{e.rank}. {escape(e.name)} — {board_figure(True, e.value)}" for e in recap.top]
    streaks = [
        f"{e.rank}. {escape(e.name)} — {board_figure(False, e.value)}" for e in recap.streaks
    ]
    blocks = [
        section(
            f"*Weekly recap · {recap.week}*\nFrom {slack_date(recap.start)} to "
            f"{slack_date(recap.end)}."
        ),
        section("*Top 5 by points*\n" + ("\n".join(top) or "Nobody scored.")),
        section("*Longest current streaks*\n" + ("\n".join(streaks) or "No streak running.")),
    ]
    if recap.hardest is not None:
        hard = recap.hardest
        first = escape(hard.question.prompt.splitlines()[0])[:200]
        percent = round(100 * hard.result.accuracy)
        counts = f"{hard.result.correct}/{hard.result.answered}"
        text = f"*Hardest question*\n{first}\n{percent}% right ({counts})"
        if hardest_link:
            text += f" · <{hardest_link}|see the question>"
        blocks.append(section(text))
    now, before = recap.this_week, recap.last_week
    blocks.append(
        section(
            f"*Participation*\n{now.summary()} "
            f"({now.members - before.members:+d} on the week before; then {before.summary()})"
        )
    )
    return blocks


def community_status(status: CommunityStatus, headline: str | None = None) -> str:
    """The community switches as an ephemeral reply."""
    s = status.settings
    review = f"review in <#{s.review_channel_id}>" if s.review_channel_id else "off"
    if s.recap_on:
        at = (s.recap_time or status.config.post_time).strftime("%H:%M")
        recap = f"on, {DAY_NAMES[s.recap_day]} {at} {escape(status.config.timezone)}"
        if status.next_recap is not None:
            recap += f" (next {slack_date(status.next_recap)})"
    else:
        recap = "off"
    lines = [headline] if headline else []
    lines += [
        "*Community settings*",
        f"• Suggestions: {review}",
        f"• Weekly recap: {recap}",
        f"• Discussion in a thread of each daily reveal: {'on' if s.threads_on else 'off'}",
    ]
    return "\n".join(lines)
