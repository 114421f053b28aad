"""Engine results rendered as Discord embeds; nothing here can ping anyone."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from bot.adapters.discord_app.markdown import md, question_body
from bot.core.admin import Status
from bot.core.model import Leaderboard, MemberStats, PostKind, PostView, RankBy, RevealView
from bot.core.parsing import format_days, format_duration
from bot.core.questions import Difficulty
from bot.core.reloading import ReloadResult, reload_report
from bot.core.suggestion_form import credit_of
from bot.core.text import NOT_ON_BOARD, board_figure, plural

NO_PINGS = discord.AllowedMentions.none()
EMBED_LIMIT = 4096
MESSAGE_LIMIT = 2000
CHOICE_NAME_LIMIT = 100

_COLOURS = {
    Difficulty.ENTRY: 0x57F287,
    Difficulty.JUNIOR: 0x3BA55C,
    Difficulty.MID: 0xFEE75C,
    Difficulty.SENIOR: 0xE67E22,
    Difficulty.EXPERT: 0xED4245,
}
_TITLES = {
    PostKind.DAILY: "Question of the day",
    PostKind.DRAW: "Quiz",
    PostKind.PRIVATE: "Practice",
}


def plain(text: str) -> str:
    """Member-supplied text shown literally: no markdown, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def reload_reply(result: ReloadResult) -> str:
    """`/quizadmin reload`'s answer: the summary, and the first problems of a refused reload."""
    return reload_report(result, problem_block, MESSAGE_LIMIT)


def problem_block(lines: list[str]) -> str:
    """Pack problems as a code block: nothing in it renders, mentions and markdown included.

    A zero-width space after each backtick keeps pack text from closing the block.
    """
    body = "\n".join(line.replace("`", "`\u200b") for line in lines)
    return f"```\n{body}\n```"


def topic_label(slug: str, description: str) -> str:
    """An autocomplete entry: the slug and what it covers, within Discord's 100 characters."""
    label = f"{slug} — {description}" if description else slug
    return label if len(label) <= CHOICE_NAME_LIMIT else label[: CHOICE_NAME_LIMIT - 1] + "…"


def timestamp(unix: int) -> str:
    """A relative time each reader sees in their own zone."""
    return discord.utils.format_dt(datetime.fromtimestamp(unix, UTC), "R")


def _header(view: PostView) -> str:
    q = view.question
    return f"{_TITLES[view.post.kind]} · {q.difficulty.value} · {', '.join(q.topics)}"


def post_embed(view: PostView) -> discord.Embed:
    """An open post: prompt, choices as lettered lines, and when it reveals."""
    q = view.question
    lines = [question_body(q), ""]
    lines += [f"**{letter})** {md(text)}" for letter, _, text in view.shown_choices]
    if view.post.kind is PostKind.PRIVATE:
        footer = "Only you see this practice question; it reveals when you answer."
    else:
        footer = f"Reveals {timestamp(int(view.post.reveal_at.timestamp()))}"
        if not q.is_choice:
            footer += " · press Answer to type yours"
    lines += ["", footer]
    return discord.Embed(
        title=_header(view), description="\n".join(lines).strip(), colour=_COLOURS[q.difficulty]
    )


def reveal_embed(view: RevealView) -> discord.Embed:
    """A revealed post: the correct choice marked, the tally, the answer and why."""
    q, tally = view.question, view.tally
    lines = [question_body(q), ""]
    for letter, index, text in view.shown_choices:
        count = tally.per_choice.get(index, 0)
        if index == q.correct_index:
            lines.append(f"✅ **{letter}) {md(text)}** — {count}")
        else:
            lines.append(f"▫️ {letter}) {md(text)} — {count}")
    lines += [
        "",
        f"**Answered {tally.answered} · correct {tally.correct} ({tally.percent_correct}%)**",
        "",
        "**Answer**",
        *(f"• {md(line)}" for line in q.answer),
        "",
        md(q.explanation),
    ]
    if not q.is_choice:
        lines += ["", "Answered? Grade yourself with the buttons below."]
    embed = discord.Embed(
        title=f"{_header(view)} · revealed",
        description="\n".join(lines)[:EMBED_LIMIT],
        colour=_COLOURS[q.difficulty],
    )
    if credit := credit_of(q):  # a member's approved suggestion
        embed.set_footer(text=f"Suggested by {credit}")
    return embed


def private_result(view: PostView, choice: int, correct: bool) -> discord.Embed:
    """A practice question answered: the verdict straight away."""
    verdict = "✅ Correct!" if correct else "❌ Not quite."
    q = view.question
    right = view.letter_of(q.correct_index or 0)
    lines = [
        f"{verdict} You chose **{view.letter_of(choice)}**; the answer is **{right}**.",
        "",
        *(f"• {md(line)}" for line in q.answer),
        "",
        md(q.explanation),
    ]
    return discord.Embed(title=_header(view), description="\n".join(lines)[:EMBED_LIMIT])


def model_answer(view: PostView) -> str:
    """The private reply to an open practice question: its model answer, as one message."""
    lines = "\n".join(f"• {md(line)}" for line in view.question.answer)
    return f"Your answer is in. The model answer:\n{lines}"[:MESSAGE_LIMIT]


def stats_embed(name: str, s: MemberStats | None) -> discord.Embed:
    """A member's stats card."""
    embed = discord.Embed(title=f"Stats · {plain(name)}")
    if s is None:
        embed.description = "No answers yet."
        return embed
    embed.add_field(name="Streak", value=f"{s.streak} (best {s.best_streak})")
    embed.add_field(name="Points", value=plural(s.points, "point"))
    embed.add_field(name="Accuracy", value=f"{s.accuracy_percent}% ({s.correct}/{s.answered})")
    levels = [
        f"{level.value}: {ls.correct}/{ls.answered} · {plural(ls.points, 'point')}"
        for level, ls in sorted(s.by_level.items(), key=lambda item: item[0].rank)
    ]
    if levels:
        embed.add_field(name="By level", value="\n".join(levels), inline=False)
    return embed


def board_embed(board: Leaderboard) -> discord.Embed:
    """Top ten with ranks, plus the caller's own row."""
    by_points = board.by is RankBy.POINTS
    scope = f" · {board.period.value}" if board.by is RankBy.POINTS else " · current streaks"
    lines = [
        f"**{e.rank}.** {plain(e.name)} — {board_figure(by_points, e.value)}" for e in board.top
    ]
    if not lines:
        lines = ["Nobody is on this board yet."]
    if board.caller is None:
        lines += ["", NOT_ON_BOARD[by_points]]
    elif all(e.member_id != board.caller.member_id for e in board.top):
        mine = board_figure(by_points, board.caller.value)
        lines += ["", f"You: **{board.caller.rank}.** — {mine}"]
    return discord.Embed(
        title=f"Leaderboard · {board.by.value}{scope}", description="\n".join(lines)
    )


def status_embed(status: Status) -> discord.Embed:
    """The whole configuration, the next post and the last error."""
    c = status.config
    embed = discord.Embed(title="Quiz settings")
    embed.add_field(name="Channel", value=f"<#{c.channel_id}>" if c.channel_id else "not set")
    embed.add_field(name="Time", value=f"{c.post_time.strftime('%H:%M')} {c.timezone}")
    embed.add_field(name="Days", value=format_days(c.days))
    embed.add_field(name="Difficulty", value=c.difficulty)
    delays = f"daily {format_duration(c.daily_reveal_s)} · draws {format_duration(c.draw_reveal_s)}"
    embed.add_field(name="Reveal", value=delays)
    embed.add_field(name="Ping", value=f"<@&{c.ping_role}>" if c.ping_role else "none")
    embed.add_field(name="Paused", value="yes" if c.paused else "no")
    next_post = (
        timestamp(int(status.next_post.timestamp())) if status.next_post else "not scheduled"
    )
    embed.add_field(name="Next post", value=next_post)
    embed.add_field(name="Last error", value=c.last_error or "none", inline=False)
    return embed


# What posting and revealing a question needs in its channel, with the names Discord's
# settings screen uses, so an admin can find each one.
CHANNEL_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}


def missing_channel_permissions(permissions: discord.Permissions) -> list[str]:
    """The permissions the bot lacks in a channel, by their names in Discord's settings."""
    return [label for flag, label in CHANNEL_PERMISSIONS.items() if not getattr(permissions, flag)]
