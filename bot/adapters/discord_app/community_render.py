"""Community results as Discord embeds: review posts, the weekly recap, the settings view."""

from __future__ import annotations

import discord

from bot.adapters.discord_app.markdown import md, question_body
from bot.adapters.discord_app.render import plain, timestamp
from bot.core.community_admin import CommunityStatus
from bot.core.community_model import Recap, Suggestion, SuggestionStatus
from bot.core.parsing import DAY_NAMES
from bot.core.questions import CHOICE_LETTERS
from bot.core.text import board_figure

_STATUS_COLOURS = {
    SuggestionStatus.PENDING: 0xFEE75C,
    SuggestionStatus.APPROVED: 0x57F287,
    SuggestionStatus.REJECTED: 0x80848E,
}
_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
SERVED_KEY_HIDDEN = "*The answers are hidden now that this question is served here.*"


def message_link(guild_id: str, channel_id: str, message_id: str) -> str:
    """The link that opens a message in Discord."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def suggestion_embed(suggestion: Suggestion) -> discord.Embed:
    """A suggestion as reviewers see it: the whole question, the key marked, every why.

    Once approved the question is served, so its post keeps only the prompt: the review
    channel must not become the place to look answers up.
    """
    q = suggestion.question
    # The question is pack text, shown as a post of it would show it (code stays code).
    lines = [question_body(q), ""]
    if suggestion.status is SuggestionStatus.APPROVED:
        lines.append(SERVED_KEY_HIDDEN)
    else:
        for letter, choice in zip(CHOICE_LETTERS, q.choices or [], strict=False):
            if choice.correct:
                lines.append(f"✅ **{letter})** {md(choice.text)}")
            else:
                lines.append(f"▫️ **{letter})** {md(choice.text)}")
                if choice.why:
                    lines.append(f"  *why not:* {md(choice.why)}")
        lines += ["", "**Explanation**", md(q.explanation)]
    embed = discord.Embed(
        title=f"Suggestion #{suggestion.suggestion_id} · {q.difficulty.value} · "
        f"{', '.join(q.topics)}",
        description="\n".join(lines)[:4096],
        colour=_STATUS_COLOURS[suggestion.status],
    )
    embed.add_field(name="Suggested by", value=plain(suggestion.author.name))
    if suggestion.status is SuggestionStatus.PENDING:
        state = "Waiting for review: Approve, Edit or Reject (Manage Server)."
    else:
        state = (
            f"{suggestion.status.value.capitalize()} by {plain(suggestion.reviewer_name or '?')}"
        )
        if suggestion.status is SuggestionStatus.APPROVED:
            state += f"; served here as `{suggestion.question_id}`."
    embed.add_field(name="Status", value=state, inline=False)
    return embed


def recap_embed(recap: Recap, *, with_image: bool) -> discord.Embed:
    """The weekly recap; every figure of the picture is in the text too."""
    start, end = int(recap.start.timestamp()), int(recap.end.timestamp())
    embed = discord.Embed(
        title=f"Weekly recap · {recap.week}",
        description=f"From <t:{start}:f> to <t:{end}:f>.",
        colour=0x5865F2,
    )
    top = [
        f"{_MEDALS.get(e.rank, f'{e.rank}.')} {plain(e.name)} — {board_figure(True, e.value)}"
        for e in recap.top
    ]
    embed.add_field(name="Top 5 by points", value="\n".join(top) or "Nobody scored.", inline=False)
    streaks = [f"{e.rank}. {plain(e.name)} — {board_figure(False, e.value)}" for e in recap.streaks]
    embed.add_field(
        name="Longest current streaks",
        value="\n".join(streaks) or "No streak running.",
        inline=False,
    )
    if recap.hardest is not None:
        hard = recap.hardest
        first_line = plain(hard.question.prompt.splitlines()[0])[:200]
        percent = round(100 * hard.result.accuracy)
        text = f"{first_line}\n{percent}% right ({hard.result.correct}/{hard.result.answered})"
        if hard.post.message_id:
            link = message_link(recap.guild_id, hard.post.channel_id, hard.post.message_id)
            text += f" · [see the question]({link})"
        embed.add_field(name="Hardest question", value=text[:1024], inline=False)
    now, before = recap.this_week, recap.last_week
    change = now.members - before.members
    trend = f"{change:+d} on the week before" if before.members or now.members else "no change"
    embed.add_field(
        name="Participation",
        value=f"{now.summary()} ({trend}; then {before.summary()})",
        inline=False,
    )
    if with_image:
        embed.set_image(url="attachment://recap.png")
    return embed


def community_status_embed(status: CommunityStatus) -> discord.Embed:
    """The community switches, all in one view."""
    s = status.settings
    embed = discord.Embed(title="Community settings")
    embed.add_field(
        name="Suggestions",
        value=f"review in <#{s.review_channel_id}>" if s.review_channel_id else "off",
    )
    if s.recap_on:
        at = (s.recap_time or status.config.post_time).strftime("%H:%M")
        recap = f"on, {DAY_NAMES[s.recap_day]} {at} {status.config.timezone}"
        if status.next_recap is not None:
            recap += f" (next {timestamp(int(status.next_recap.timestamp()))})"
    else:
        recap = "off"
    embed.add_field(name="Weekly recap", value=recap)
    embed.add_field(name="Discussion threads", value="on" if s.threads_on else "off")
    streak = (
        f"<@&{s.streak_role_id}> at a streak of {s.streak_length}" if s.streak_role_id else "off"
    )
    embed.add_field(name="Streak reward", value=streak)
    monthly = f"<@&{s.monthly_role_id}> for the month's top scorer" if s.monthly_role_id else "off"
    embed.add_field(name="Monthly reward", value=monthly)
    return embed
