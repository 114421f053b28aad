"""Ephemeral replies as mrkdwn text: acknowledgements, boards, stats, status and errors."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.slack_app.blocks import SECTION_LIMIT, escape, slack_date
from bot.adapters.slack_app.mrkdwn import ZWSP, plain_name
from bot.core.admin import Status
from bot.core.bank import QuestionBank
from bot.core.errors import DrawAlreadyOpen, QuizError
from bot.core.model import Leaderboard, MemberStats, Period, PostView, RankBy
from bot.core.parsing import format_days, format_duration
from bot.core.reloading import ReloadResult, reload_report
from bot.core.text import NOT_ON_BOARD, board_figure, plural

APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
NOT_ADMIN = "Only workspace admins and owners can change the quiz settings."
NOT_OWNER = "Only the owners of this workspace can reload the question packs. Nothing was reloaded."
NO_RELOAD = "Reloading the question packs is not available here."

QUIZ_USAGE = (
    "Usage: `/quiz [entry|junior|mid|senior|expert] [topic] [private]`: "
    "draw a question now; `private` gives a practice question only you see. "
    "`/quiz review` serves a question due for your spaced review; "
    "`/quiz review remind on|off` sets a daily reminder; `/quiz topics` lists the topics; "
    "`/quiz suggest` suggests a question of your own."
)
BOARD_USAGE = "Usage: `/quiz-leaderboard [week|month|all] [points|streak]`"
STATS_USAGE = "Usage: `/quiz-stats [@member]`"
ADMIN_USAGE = """\
*Quiz admin commands*
• `/quiz-admin setup #channel HH:MM Zone`: where and when the daily question goes \
(e.g. `setup #python 09:30 Europe/Berlin`)
• `/quiz-admin reveal daily:8h draw:60s`: reveal delays (daily 1m-23h, draws 10s-1h)
• `/quiz-admin difficulty entry|junior|mid|senior|expert|mixed|ramp`
• `/quiz-admin days mon-fri|every|mon,wed,fri`
• `/quiz-admin ping @group|@here|none`: who the daily question mentions
• `/quiz-admin pause` · `resume` · `postnow` · `status`
• `/quiz-admin selfgrade on|off`: whether self-graded (open) answers score points and streaks
• `/quiz-admin member @user reset|exclude|include|forget`: moderate a member (forget asks first)
• `/quiz-admin audit`: the last 20 admin actions
• `/quiz-admin reload`: read the question packs again, validated first (workspace owners only)
• `/quiz-admin suggestions #channel|off`: where suggested questions wait for review
• `/quiz-admin recap on|off|day mon..sun|time HH:MM`: the weekly recap in the daily channel
• `/quiz-admin threads on|off`: the answer and explanation in a thread of each daily reveal
• `/quiz-admin community`: the community settings"""

_MEDALS = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}
_PERIOD = {Period.WEEK: "this week", Period.MONTH: "this month", Period.ALL: "all time"}


def error_text(exc: QuizError) -> str:
    """A domain error as the member reads it."""
    text = escape(str(exc))
    if isinstance(exc, DrawAlreadyOpen):
        when = datetime.fromtimestamp(exc.reveal_at_unix, UTC)
        text = f"{text} It reveals {slack_date(when)}."
    return text


def answer_ack(view: PostView, choice: int | None) -> str:
    """The private receipt of an answer: what was recorded, never whether it is right."""
    what = f"*{view.letter_of(choice)}*" if choice is not None else "Your answer"
    lead = f"Your answer {what} is in." if choice is not None else f"{what} is in."
    return (
        f"{lead} You can change it until the reveal {slack_date(view.post.reveal_at)}; "
        "the last answer counts."
    )


def channel_refused(channel_id: str, reason: str) -> str:
    """Why a draw could not be posted."""
    return (
        f"I cannot post in <#{channel_id}>: {escape(reason)}. "
        "Invite me with `/invite @quizbot`, or use `/quiz private` for a question only you see."
    )


def draw_unconfirmed(reason: str) -> str:
    """A draw whose posting Slack did not confirm."""
    return (
        f"Slack did not confirm your question ({escape(reason)}). If it does not show up "
        "in a minute or two, run `/quiz` again."
    )


def board(b: Leaderboard) -> str:
    """Top ten and the caller's own row, names as plain text."""
    if b.by is RankBy.POINTS:
        title = f"*Leaderboard · points · {_PERIOD[b.period]}*"
    else:
        title = "*Leaderboard · current daily streak*"

    def figure(value: int) -> str:
        return board_figure(b.by is RankBy.POINTS, value)

    if not b.top:
        return f"{title}\nNobody is on this board yet: answer a question to get on it."
    lines = [title]
    for entry in b.top:
        # Members who answered but scored nothing are listed too: no medal for 0 points.
        medal = _MEDALS.get(entry.rank) if entry.value > 0 else None
        rank = medal or f"{entry.rank}."
        lines.append(f"{rank} {plain_name(entry.name)} — {figure(entry.value)}")
    if b.caller is None:
        lines.append(f"_{NOT_ON_BOARD[b.by is RankBy.POINTS]}_")
    elif all(entry.member_id != b.caller.member_id for entry in b.top):
        lines.append(f"_You: #{b.caller.rank} — {figure(b.caller.value)}_")
    return "\n".join(lines)


def stats(name: str, s: MemberStats | None) -> str:
    """A member's stats card."""
    if s is None:
        return f"{plain_name(name)} has not answered a question yet."
    lines = [
        f"*{plain_name(s.name)}* · {plural(s.points, 'point')} · streak {s.streak} "
        f"(best {s.best_streak})",
        f"Answered {s.answered} · correct {s.correct} · accuracy {s.accuracy_percent}%",
    ]
    for level, ls in sorted(s.by_level.items(), key=lambda item: item[0].rank):
        figure = plural(ls.points, "point")
        lines.append(f"• `{level.value}` {ls.correct}/{ls.answered} correct · {figure}")
    return "\n".join(lines)


def _ping(ping: str | None) -> str:
    if ping is None:
        return "nobody"
    if ping.startswith("subteam^"):
        return f"user group `{escape(ping.removeprefix('subteam^'))}`"
    return f"@{escape(ping)}"


def status(s: Status, headline: str | None = None) -> str:
    """The whole configuration, the next post time and the last delivery problem."""
    c = s.config
    channel = f"<#{c.channel_id}>" if c.channel_id else "not set: `/quiz-admin setup`"
    next_post = slack_date(s.next_post) if s.next_post else "not scheduled"
    error = "none"
    if c.last_error:
        when = f" ({slack_date(c.last_error_at)})" if c.last_error_at else ""
        error = f"{escape(c.last_error)}{when}"
    lines = [headline] if headline else []
    lines += [
        "*Quiz settings*",
        f"• Channel: {channel}",
        f"• Time: {c.post_time.strftime('%H:%M')} {escape(c.timezone)} on {format_days(c.days)}",
        f"• Difficulty: {escape(c.difficulty)}",
        f"• Reveal: daily after {format_duration(c.daily_reveal_s)}, "
        f"draws after {format_duration(c.draw_reveal_s)}",
        f"• Mentions: {_ping(c.ping_role)}",
        f"• Paused: {'yes' if c.paused else 'no'}",
        f"• Next post: {next_post}",
        f"• Last error: {error}",
    ]
    return "\n".join(lines)


def reload_reply(result: ReloadResult) -> str:
    """`/quiz-admin reload`'s answer: the summary, and the first problems of a refused reload."""
    return reload_report(result, problem_block, SECTION_LIMIT)


def problem_block(lines: list[str]) -> str:
    """Pack problems as a code block, entities escaped: no mention, link or markup works.

    A zero-width space after each backtick keeps pack text from closing the block.
    """
    body = "\n".join(escape(line).replace("`", "`" + ZWSP) for line in lines)
    return f"```\n{body}\n```"


def topics(bank: QuestionBank) -> str:
    """Every topic with its question count and description, for `/quiz topics`."""
    counts = bank.counts_by_topic()
    lines = ["*Topics* (`/quiz [level] [topic]`)"]
    for topic, count in counts.items():
        about = bank.topics.get(topic, "")
        lines.append(f"• `{topic}` ({count})" + (f": {escape(about)}" if about else ""))
    return "\n".join(lines)
