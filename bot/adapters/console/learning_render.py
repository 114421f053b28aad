"""Plain-text rendering of the learning loop and moderation for the terminal."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.learning_model import AuditEntry, Explanation, LearningStats, ReviewOffer

_WHEN = "%a %Y-%m-%d %H:%M %Z"


def explanation(e: Explanation) -> str:
    """A member's own answer explained: right or not, why, the answer and the explanation."""
    q = e.view.question
    lines = []
    if e.answer.choice is not None:
        mine = e.view.letter_of(e.answer.choice)
        right = e.view.letter_of(q.correct_index or 0)
        verdict = "right" if e.correct else "not right"
        lines.append(f"You answered {mine}: {verdict} (the answer is {right}).")
        if e.why:
            lines.append(f"Why not {mine}: {e.why}")
    else:
        graded = {True: "you graded it right", False: "you graded it missed", None: "ungraded"}
        lines.append(f"You answered: {e.answer.text} ({graded[e.correct]}).")
    lines += [f"- {line}" for line in q.answer]
    lines.append(q.explanation)
    return "\n".join(lines)


def learning(s: LearningStats, timezone: str) -> str:
    """The lines /stats adds: reviews due, weakest topics, savers."""
    zone = ZoneInfo(timezone)
    if s.due:
        due = f"reviews due: {s.due} (/review)"
    elif s.next_due:
        due = f"reviews due: none, next {s.next_due.astimezone(zone).strftime(_WHEN)}"
    else:
        due = "reviews due: none yet"
    weakest = ", ".join(
        f"{t.topic} {round(100 * t.accuracy)}% ({t.correct}/{t.answered})" for t in s.weakest
    )
    used = (
        f", last used {s.savers.last_used_at.astimezone(zone).strftime(_WHEN)}"
        if s.savers.last_used_at
        else ""
    )
    lines = [
        due,
        f"weakest topics: {weakest or 'not enough answers yet (3 per topic)'}",
        f"streak savers: {s.savers.held} held{used}",
    ]
    if s.excluded:
        lines.append("excluded from scoring by an admin")
    return "\n".join(lines)


def nothing_due(offer: ReviewOffer, timezone: str) -> str:
    """Why /review served nothing."""
    if offer.held_back:
        return (
            "Your due review question is open in this server right now: answer it there; "
            "it comes back after its reveal."
        )
    if offer.next_due is None:
        return "Nothing to review yet: answer some questions first."
    when = offer.next_due.astimezone(ZoneInfo(timezone)).strftime(_WHEN)
    return f"Nothing due for review. The next one is due {when}."


def audit(entries: list[AuditEntry], timezone: str) -> str:
    """The latest admin actions, newest first."""
    if not entries:
        return "No admin actions yet."
    zone = ZoneInfo(timezone)
    return "\n".join(f"{_at(e.at, zone)}  {e.actor_name}  {e.action}: {e.detail}" for e in entries)


def _at(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")
