"""Slash commands of the learning loop and moderation: /review and three /quizadmin entries.

The admin commands join the /quizadmin group, whose `interaction_check` requires Manage
Server at run time for each of them.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from bot.adapters.discord_app import render
from bot.adapters.discord_app.components import post_buttons
from bot.adapters.discord_app.context import guild_key, member_of, quiz_of, reply
from bot.adapters.discord_app.learning_components import forget_confirmation
from bot.adapters.discord_app.learning_render import audit_embed, nothing_due
from bot.core.model import Member
from bot.core.moderation import MemberAction, describe


@app_commands.command(name="review", description="A question due for your spaced review")
@app_commands.describe(
    remind="A direct message, at most once a day, when questions are due for review"
)
@app_commands.guild_only()
async def review(
    interaction: discord.Interaction, remind: Literal["on", "off"] | None = None
) -> None:
    """Serve the most overdue review question privately (no points), or set reminders."""
    ctx = quiz_of(interaction)
    member = member_of(interaction)
    if remind is not None:
        on = await ctx.reviews.set_reminder(guild_key(interaction), member, remind == "on")
        await reply(
            interaction,
            "Review reminders are on: a direct message, at most once a day, when questions are due."
            if on
            else "Review reminders are off.",
        )
        return
    offer = await ctx.reviews.review(guild_key(interaction), str(interaction.channel_id), member)
    if offer.view is None:
        await reply(interaction, nothing_due(offer))
        return
    try:
        await interaction.response.send_message(
            "Review · only you see it · no points",
            embed=render.post_embed(offer.view),
            view=post_buttons(offer.view),
            ephemeral=True,
            allowed_mentions=render.NO_PINGS,
        )
    except discord.HTTPException:
        await ctx.service.discard(offer.view.post.post_id)
        raise


@app_commands.command(
    name="selfgrade", description="Whether self-graded answers score points and streaks"
)
@app_commands.describe(scoring="on: they score; off (the default): they count in stats only")
async def selfgrade(interaction: discord.Interaction, scoring: Literal["on", "off"]) -> None:
    """Turn scoring of self-graded (open) answers on or off."""
    on = await quiz_of(interaction).moderation.set_selfgrade(
        guild_key(interaction), scoring == "on", by=member_of(interaction)
    )
    await reply(
        interaction,
        "Self-graded answers now score points and streaks."
        if on
        else "Self-graded answers count in personal stats only: no points, no streaks.",
    )


@app_commands.command(name="member", description="Reset, exclude, include or forget a member")
@app_commands.describe(
    member="Who",
    action="reset: points and streaks; exclude/include: scoring and boards; forget: all data",
)
async def member(
    interaction: discord.Interaction,
    member: discord.User,
    action: Literal["reset", "exclude", "include", "forget"],
) -> None:
    """Moderate one member; forgetting asks for a confirmation first."""
    ctx = quiz_of(interaction)
    guild = guild_key(interaction)
    target = Member(str(member.id), member.display_name)
    what = MemberAction(action)
    if what is MemberAction.FORGET:
        found = await ctx.moderation.footprint(guild, target.id)
        await interaction.response.send_message(
            f"Forget {render.plain(target.name)}? This deletes every row about them in this "
            f"server ({describe(found)}) and cannot be undone.",
            view=forget_confirmation(target.id),
            ephemeral=True,
            allowed_mentions=render.NO_PINGS,
        )
        return
    message = await ctx.moderation.apply(guild, what, target, by=member_of(interaction))
    await reply(interaction, render.plain(message))


@app_commands.command(name="audit", description="The last 20 admin actions")
async def audit(interaction: discord.Interaction) -> None:
    """Who changed what, and when."""
    entries = await quiz_of(interaction).admin.recent(guild_key(interaction))
    await reply(interaction, embed=audit_embed(entries))


def add_admin_commands(group: app_commands.Group) -> None:
    """Put the moderation commands into the /quizadmin group."""
    group.add_command(selfgrade)
    group.add_command(member)
    group.add_command(audit)
