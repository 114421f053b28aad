"""Block Kit rendering of posts, reveals and the answer modal; pack and user text is escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.adapters.slack_app import actions
from bot.adapters.slack_app.learning_actions import why_button
from bot.adapters.slack_app.mrkdwn import escape as escape
from bot.adapters.slack_app.mrkdwn import mrkdwn, question_body
from bot.core.model import PostKind, PostView, RevealView
from bot.core.service import MAX_OPEN_ANSWER
from bot.core.suggestion_form import credit_of

Block = dict[str, Any]

# Slack caps a section's text at 3000 characters and a message at 50 blocks.
SECTION_LIMIT = 3000
FALLBACK_LIMIT = 300

_KIND_LABEL = {
    PostKind.DAILY: "Question of the day",
    PostKind.DRAW: "Quiz",
    PostKind.PRIVATE: "Practice question",
}


def slack_date(when: datetime) -> str:
    """A date every reader sees in their own time zone, with a UTC fallback."""
    unix = int(when.timestamp())
    fallback = datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{fallback}>"


def fit(text: str, limit: int = SECTION_LIMIT) -> str:
    """Cut text to a Slack length limit without splitting an escape entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    return cut + "…"


def section(text: str) -> Block:
    """A mrkdwn section."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text)}}


def context(text: str) -> Block:
    """A small grey line."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(text)}]}


def _sections(text: str) -> list[Block]:
    """Long text as several sections, split at line ends."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines():
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= SECTION_LIMIT:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = line
    if current:
        chunks.append(current)
    return [section(chunk) for chunk in chunks]


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _headline(view: PostView, state: str) -> str:
    post, question = view.post, view.question
    label = _KIND_LABEL[post.kind]
    if post.kind is PostKind.DAILY and post.local_date:
        label = f"{label} · {post.local_date}"
    topics = ", ".join(escape(topic) for topic in question.topics)
    return f"*{label}* · `{question.difficulty.value}` · {topics} · {state}"


def ping_text(ping: str) -> str | None:
    """The mention a daily post starts with: a user group, @here or @channel."""
    if ping in ("here", "channel") or ping.startswith("subteam^"):
        return f"<!{ping}>"
    return None


def post_text(view: PostView, ping: str | None = None) -> str:
    """The notification text of a post (Slack shows it where blocks cannot be shown)."""
    label = _KIND_LABEL[view.post.kind]
    prompt = view.question.prompt.splitlines()[0] if view.question.prompt else ""
    mention = ping_text(ping) if ping else None
    lead = f"{mention} " if mention else ""
    text = f"{label} ({view.question.difficulty.value}): {escape(prompt)}"
    return lead + fit(text, FALLBACK_LIMIT)


def post_blocks(view: PostView, ping: str | None = None) -> list[Block]:
    """An open post: prompt, level, topics, reveal time and one button per choice."""
    post, question = view.post, view.question
    blocks: list[Block] = []
    mention = ping_text(ping) if ping else None
    if mention:
        blocks.append(section(mention))
    if post.kind is PostKind.PRIVATE:
        state = "only you can see this; it reveals when you answer"
    else:
        state = f"reveals {slack_date(post.reveal_at)}"
    blocks.append(context(_headline(view, state)))
    blocks.append(section(question_body(question)))
    if question.is_choice:
        lines = [f"*{letter})* {mrkdwn(text)}" for letter, _, text in view.shown_choices]
        blocks.append(section("\n".join(lines)))
        buttons = [
            _button(letter, actions.choice_id(post.post_id, index), f"{post.post_id}:{index}")
            for letter, index, _ in view.shown_choices
        ]
    else:
        blocks.append(context("An open question: answer in your own words, then grade yourself."))
        buttons = [
            _button("Answer", actions.open_id(post.post_id), str(post.post_id), "primary"),
        ]
    blocks.append({"type": "actions", "block_id": f"quiz:{post.post_id}", "elements": buttons})
    return blocks


def reveal_text(view: RevealView) -> str:
    """The notification text of a revealed post."""
    label = _KIND_LABEL[view.post.kind]
    return fit(f"{label} revealed: {escape(view.question.prompt.splitlines()[0])}", FALLBACK_LIMIT)


def reveal_blocks(view: RevealView, *, verdict: str | None = None) -> list[Block]:
    """A revealed post: no answer buttons, the correct choice marked, tally and explanation."""
    post, question, tally = view.post, view.question, view.tally
    blocks = [context(_headline(view, "revealed")), section(question_body(question))]
    if question.is_choice:
        lines = []
        for letter, index, text in view.shown_choices:
            count = tally.per_choice.get(index, 0)
            choice = question.choices[index] if question.choices else None
            if index == question.correct_index:
                lines.append(f":white_check_mark: *{letter}) {mrkdwn(text)}* — {count}")
            else:
                lines.append(f":heavy_minus_sign: {letter}) {mrkdwn(text)} — {count}")
                if choice is not None and choice.why:
                    lines.append(f"      _{mrkdwn(choice.why)}_")
        blocks.append(section("\n".join(lines)))
        summary = f"{tally.answered} answered · {tally.correct} correct ({tally.percent_correct}%)"
    else:
        summary = f"{tally.answered} answered · compare with the model answer and grade yourself"
    if post.kind is not PostKind.PRIVATE:
        blocks.append(context(summary))
    if verdict:
        blocks.append(section(verdict))
    answer = "\n".join(f"• {mrkdwn(line)}" for line in question.answer)
    blocks.append(section(f"*Answer*\n{answer}"))
    blocks.extend(_sections(mrkdwn(question.explanation)))
    if credit := credit_of(question):  # a member's approved suggestion
        blocks.append(context(f"Suggested by {escape(credit)}"))
    if not question.is_choice and post.kind is not PostKind.PRIVATE:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"grade:{post.post_id}",
                "elements": [
                    _button("I got it", actions.grade_id(post.post_id, True), "got", "primary"),
                    _button("I missed it", actions.grade_id(post.post_id, False), "missed"),
                ],
            }
        )
    if post.kind is not PostKind.PRIVATE:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"why:{post.post_id}",
                "elements": [why_button(post.post_id)],
            }
        )
    return blocks


def answer_modal(view: PostView, metadata: str) -> Block:
    """The modal in which a member types an answer to an open question."""
    return {
        "type": "modal",
        "callback_id": actions.MODAL_CALLBACK,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Your answer"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(question_body(view.question)),
            {
                "type": "input",
                "block_id": actions.MODAL_BLOCK,
                "label": {"type": "plain_text", "text": "What would you say?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": actions.MODAL_INPUT,
                    "multiline": True,
                    "min_length": 1,
                    "max_length": MAX_OPEN_ANSWER,
                },
            },
        ],
    }
