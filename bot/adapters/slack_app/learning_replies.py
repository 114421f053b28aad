"""The learning loop and moderation as Slack mrkdwn: explanations, stats lines, the audit log."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack_app.blocks import escape, slack_date
from bot.adapters.slack_app.learning_actions import FORGET_ACTION
from bot.adapters.slack_app.mrkdwn import plain_name
from bot.core.learning_model import AuditEntry, Explanation, LearningStats, ReviewOffer
from bot.core.model import PostView

REVIEW_USAGE = "Usage: `/quiz review` for a question due for review, `/quiz review remind on|off`"


def explanation(e: Explanation) -> str:
    """A member's own answer: right or not, why their choice was wrong, the explanation."""
    view, q = e.view, e.view.question
    lines = []
    if e.answer.choice is not None:
        mine, right = view.letter_of(e.answer.choice), view.letter_of(q.correct_index or 0)
        if e.correct:
            lines.append(f":white_check_mark: You answered *{mine}*, and that is right.")
        else:
            lines.append(f":x: You answered *{mine}*; the answer is *{right}*.")
        if e.why:
            lines.append(f"*Why not {mine}:* {escape(e.why)}")
    else:
        graded = {True: "you graded it right", False: "you graded it missed", None: "not graded"}
        lines.append(f"You answered: _{escape(e.answer.text or '')}_ ({graded[e.correct]})")
    lines += ["*Answer*", *(f"• {escape(line)}" for line in q.answer), escape(q.explanation)]
    return "\n".join(lines)


def why_of(view: PostView, choice: int) -> str | None:
    """The note on a wrongly picked choice of a practice question, as a line."""
    q = view.question
    if q.choices is None or choice == q.correct_index or not q.choices[choice].why:
        return None
    return f"*Why not {view.letter_of(choice)}:* {escape(q.choices[choice].why or '')}"


def learning(s: LearningStats) -> str:
    """The lines `/quiz-stats` adds: reviews due, weakest topics, streak savers."""
    if s.due:
        due = f"Reviews due: {s.due} (`/quiz review`)"
    elif s.next_due:
        due = f"Reviews due: none, next {slack_date(s.next_due)}"
    else:
        due = "Reviews due: none yet"
    weakest = ", ".join(
        f"`{escape(t.topic)}` {round(100 * t.accuracy)}% ({t.correct}/{t.answered})"
        for t in s.weakest
    )
    used = f", last used {slack_date(s.savers.last_used_at)}" if s.savers.last_used_at else ""
    lines = [
        due,
        f"Weakest topics: {weakest or 'not enough answers yet (3 per topic)'}",
        f"Streak savers: {s.savers.held} held{used}",
    ]
    if s.excluded:
        lines.append("_Excluded from scoring by an admin._")
    return "\n".join(lines)


def nothing_due(offer: ReviewOffer) -> str:
    """Why `/quiz review` served nothing."""
    if offer.held_back:
        return (
            "Your due review question is open in this workspace right now: answer it there; "
            "it comes back after its reveal."
        )
    if offer.next_due is None:
        return "Nothing to review yet: answer some questions first."
    return f"Nothing due for review. The next one is due {slack_date(offer.next_due)}."


def audit(entries: list[AuditEntry]) -> str:
    """The latest admin actions, newest first."""
    if not entries:
        return "*Audit log*\nNo admin actions yet."
    lines = [
        f"• {slack_date(e.at)} · {plain_name(e.actor_name)} · *{e.action}* · {escape(e.detail)}"
        for e in entries
    ]
    return "\n".join(["*Audit log · last 20*", *lines])


def forget_prompt(name: str, member_id: str, found: str) -> list[dict[str, Any]]:
    """The confirmation of a forget: what goes, and one button that does it."""
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"Forget {plain_name(name)}? This deletes every row about them in this "
                f"workspace ({found}) and cannot be undone.",
            },
        },
        {
            "type": "actions",
            "block_id": "forget",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Forget for good"},
                    "style": "danger",
                    "action_id": f"{FORGET_ACTION}:{member_id}",
                    "value": member_id,
                }
            ],
        },
    ]


def reminder(due: int) -> str:
    """The direct message of a review reminder."""
    count = "1 question is" if due == 1 else f"{due} questions are"
    return (
        f"{count} due for your spaced review. Run `/quiz review` to practise privately; "
        "`/quiz review remind off` stops these reminders."
    )
