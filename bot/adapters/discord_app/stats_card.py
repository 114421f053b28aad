"""The picture on `/stats`: calendar and accuracy bars, with the same figures in words."""

from __future__ import annotations

import io

import discord

from bot.adapters.discord_app.cards import StatsCard
from bot.adapters.discord_app.context import QuizContext
from bot.core.activity import member_calendar
from bot.core.model import MemberStats

FILENAME = "stats.png"
MAX_DESCRIPTION = 1024


def alt_text(card: StatsCard) -> str:
    """What the picture shows, for screen readers."""
    levels = ", ".join(
        f"{level.value} {round(100 * correct / answered)}% ({correct}/{answered})"
        for level, answered, correct in card.levels
        if answered
    )
    text = (
        f"Stats card of {card.name}: streak {card.streak}, best {card.best_streak}. "
        f"{card.calendar.summary()} Accuracy by level: {levels or 'no answers yet'}."
    )
    return text[:MAX_DESCRIPTION]


async def attach_card(
    ctx: QuizContext,
    guild_id: str,
    member: discord.abc.User,
    stats: MemberStats | None,
    embed: discord.Embed,
) -> discord.File | None:
    """The card as an attachment shown in `embed` (None before a first answer)."""
    if stats is None:
        return None
    member_id = str(member.id)
    calendar = await member_calendar(ctx.service, guild_id, member_id)
    card = StatsCard.of(
        member.display_name, stats.streak, stats.best_streak, stats.by_level, calendar
    )
    png = await ctx.community.cards.render(guild_id, member_id, card)
    embed.add_field(name="Last 12 weeks", value=calendar.summary(), inline=False)
    embed.set_image(url=f"attachment://{FILENAME}")
    return discord.File(io.BytesIO(png), filename=FILENAME, description=alt_text(card))
