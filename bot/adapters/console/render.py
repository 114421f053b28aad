"""Plain-text rendering of posts, reveals, stats and boards for the terminal."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.admin import Status
from bot.core.model import Leaderboard, MemberStats, PostView, RankBy, RevealView
from bot.core.parsing import format_days, format_duration
from bot.core.suggestion_form import credit_of
from bot.core.text import NOT_ON_BOARD, board_figure, plural


def post(view: PostView) -> str:
    """An open post."""
    p, q = view.post, view.question
    head = f"[#{p.post_id} {p.kind.value} · {q.difficulty.value} · {', '.join(q.topics)}]"
    lines = [head, q.prompt]
    if q.code is not None:
        lines.append(f"```python\n{q.code}\n```")
    if q.is_choice:
        lines += [f"  {letter}) {text}" for letter, _, text in view.shown_choices]
        letters = "".join(letter for letter, _, _ in view.shown_choices)
        lines.append(f"Answer with a letter ({letters[0]}-{letters[-1]}).")
    else:
        lines.append("Answer with: /answer YOUR ANSWER")
    return "\n".join(lines)


def reveal(view: RevealView) -> str:
    """A revealed post with the tally, the model answer and the explanation."""
    p, q, t = view.post, view.question, view.tally
    lines = [f"[#{p.post_id} revealed] {q.prompt.splitlines()[0]}"]
    for letter, index, text in view.shown_choices:
        mark = "✓" if index == q.correct_index else " "
        lines.append(f"  {mark} {letter}) {text} — {t.per_choice.get(index, 0)}")
    lines.append(f"Answered {t.answered} · correct {t.correct} ({t.percent_correct}%)")
    lines += [f"- {line}" for line in q.answer]
    lines.append(q.explanation)
    if credit := credit_of(q):  # a member's approved suggestion
        lines.append(f"Suggested by {credit}")
    if not q.is_choice:
        lines.append("Grade yourself: /got or /missed")
    return "\n".join(lines)


def stats(name: str, s: MemberStats | None) -> str:
    """A member's stats card."""
    if s is None:
        return f"{name} has not answered a question yet."
    lines = [
        f"{s.name}: {plural(s.points, 'point')} · streak {s.streak} (best {s.best_streak})",
        f"answered {s.answered} · correct {s.correct} · accuracy {s.accuracy_percent}%",
    ]
    for level, ls in sorted(s.by_level.items(), key=lambda item: item[0].rank):
        figure = plural(ls.points, "point")
        lines.append(f"  {level.value:<7} {ls.correct}/{ls.answered} correct · {figure}")
    return "\n".join(lines)


def board(b: Leaderboard) -> str:
    """Top ten and the caller's own row."""
    by_points = b.by is RankBy.POINTS
    period = f" · {b.period.value}" if b.by is RankBy.POINTS else ""
    title = f"Leaderboard · {b.by.value}{period}"
    if not b.top:
        return f"{title}\nNobody is on this board yet."
    lines = [title] + [f"{e.rank:>3}. {e.name} — {board_figure(by_points, e.value)}" for e in b.top]
    if b.caller is None:
        lines.append(NOT_ON_BOARD[by_points])
    elif all(e.member_id != b.caller.member_id for e in b.top):
        lines.append(f"You: #{b.caller.rank} — {board_figure(by_points, b.caller.value)}")
    return "\n".join(lines)


def status(s: Status) -> str:
    """The admin status summary."""
    c = s.config
    zone = ZoneInfo(c.timezone)
    next_post = (
        s.next_post.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")
        if s.next_post
        else "not scheduled"
    )
    error_at = (
        f" ({c.last_error_at.astimezone(zone).strftime('%Y-%m-%d %H:%M %Z')})"
        if c.last_error and c.last_error_at
        else ""
    )
    lines = [
        f"channel: {c.channel_id or 'not set'}",
        f"time: {c.post_time.strftime('%H:%M')} {c.timezone} on {format_days(c.days)}",
        f"difficulty: {c.difficulty}",
        f"reveal: daily after {format_duration(c.daily_reveal_s)}, "
        f"draws after {format_duration(c.draw_reveal_s)}",
        f"paused: {'yes' if c.paused else 'no'}",
        f"next post: {next_post}",
        f"ping: {c.ping_role or 'none'}",
        f"last error: {c.last_error or 'none'}{error_at}",
    ]
    return "\n".join(lines)
