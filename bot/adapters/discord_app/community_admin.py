"""The community subcommands of /quizadmin: suggestions, recap, threads and rewards.

They are built afresh for each /quizadmin group (a command belongs to one parent), from
plain callbacks carrying their option descriptions and checks. Each has its own Manage
Server check, because discord.py runs only a command's direct parent's check and the
rewards commands sit one group deeper.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Literal

import discord
from discord import app_commands

from bot.adapters.discord_app import community_render, render
from bot.adapters.discord_app.context import guild_key, member_of, quiz_of, reply
from bot.core.community_model import RewardKind

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Switch = Literal["on", "off"]
manage_guild = app_commands.checks.has_permissions(manage_guild=True)


async def _settings(interaction: discord.Interaction, note: str) -> None:
    status = await quiz_of(interaction).community.community.admin.status(guild_key(interaction))
    await reply(interaction, note, embed=community_render.community_status_embed(status))


def _missing(channel: discord.abc.GuildChannel, needed: dict[str, str]) -> list[str]:
    permissions = channel.permissions_for(channel.guild.me)
    return [label for flag, label in needed.items() if not getattr(permissions, flag)]


def _channel_in(
    interaction: discord.Interaction, channel_id: str | None
) -> discord.abc.GuildChannel | None:
    if interaction.guild is None or channel_id is None:
        return None
    return interaction.guild.get_channel(int(channel_id))


@app_commands.describe(channel="The review channel; leave empty to stop taking suggestions")
@manage_guild
async def suggestions(
    interaction: discord.Interaction, channel: discord.TextChannel | None = None
) -> None:
    """Open suggestions with a review channel, or close them."""
    if channel is not None:
        # A review post needs what a daily post needs: the same permissions, named alike.
        missing = render.missing_channel_permissions(channel.permissions_for(channel.guild.me))
        if missing:
            await reply(
                interaction,
                f"I can't post suggestions in {channel.mention}: I am missing "
                f"{', '.join(missing)} there. Nothing was saved.",
            )
            return
    await quiz_of(interaction).community.community.admin.set_review_channel(
        guild_key(interaction), str(channel.id) if channel else None, by=member_of(interaction)
    )
    await _settings(interaction, "Saved.")


@app_commands.describe(
    state="on or off",
    day="The day it goes out (default mon)",
    time="HH:MM (default: the daily time)",
)
@manage_guild
async def recap(
    interaction: discord.Interaction,
    state: Switch | None = None,
    day: Day | None = None,
    time: str | None = None,
) -> None:
    """Turn the weekly recap on or off, or move it."""
    ctx = quiz_of(interaction)
    guild_id = guild_key(interaction)
    if state == "on":
        config = await ctx.service.config(guild_id)
        daily = _channel_in(interaction, config.channel_id)
        missing = _missing(daily, {"attach_files": "Attach Files"}) if daily else []
        if daily is not None and missing:
            await reply(
                interaction,
                f"The recap brings a picture: I need Attach Files in {daily.mention}. "
                "Nothing was saved.",
            )
            return
    await ctx.community.community.admin.set_recap(
        guild_id, on=state, day=day, time=time, by=member_of(interaction)
    )
    await _settings(interaction, "Saved.")


@app_commands.describe(state="on: open a thread on each daily question's reveal; off: stop")
@manage_guild
async def threads(interaction: discord.Interaction, state: Switch) -> None:
    """Turn discussion threads on or off."""
    ctx = quiz_of(interaction)
    guild_id = guild_key(interaction)
    if state == "on":
        daily = _channel_in(interaction, (await ctx.service.config(guild_id)).channel_id)
        missing = (
            _missing(daily, {"create_public_threads": "Create Public Threads"}) if daily else []
        )
        if daily is not None and missing:
            await reply(
                interaction,
                f"I can't open threads in {daily.mention}: I am missing Create Public Threads "
                "there. Nothing was saved.",
            )
            return
    await ctx.community.community.admin.set_threads(guild_id, state, by=member_of(interaction))
    await _settings(interaction, "Saved.")


def role_problem(guild: discord.Guild, role: discord.Role) -> str | None:
    """Why the bot could not give and take `role`, or None when it can."""
    me = guild.me
    if role.is_default() or role.managed:
        return f"{role.mention} is managed by Discord or an integration; choose an ordinary role."
    if not me.guild_permissions.manage_roles:
        return f"I need the Manage Roles permission to give {role.mention}."
    if role >= me.top_role:
        return (
            f"{role.mention} is not below my highest role ({me.top_role.mention}): drag my role "
            "above it in Server Settings > Roles."
        )
    return None


async def _checked_role(interaction: discord.Interaction, role: discord.Role) -> bool:
    assert interaction.guild is not None
    problem = role_problem(interaction.guild, role)
    if problem is not None:
        await reply(interaction, f"{problem} Nothing was saved.")
        return False
    return True


@app_commands.describe(length="The streak that earns the role", role="The role to give")
@manage_guild
async def streak(
    interaction: discord.Interaction, length: app_commands.Range[int, 1, 365], role: discord.Role
) -> None:
    """Set the streak reward."""
    if await _checked_role(interaction, role):
        await quiz_of(interaction).community.community.rewards.set_streak(
            guild_key(interaction), length, str(role.id), by=member_of(interaction)
        )
        await _settings(interaction, "Saved.")


@app_commands.describe(role="The role the month's top scorer gets (and last month's loses)")
@manage_guild
async def monthly(interaction: discord.Interaction, role: discord.Role) -> None:
    """Set the monthly reward."""
    if await _checked_role(interaction, role):
        await quiz_of(interaction).community.community.rewards.set_monthly(
            guild_key(interaction), str(role.id), by=member_of(interaction)
        )
        await _settings(interaction, "Saved.")


@app_commands.describe(reward="Which reward to stop; its holders lose the role")
@manage_guild
async def off(interaction: discord.Interaction, reward: Literal["streak", "monthly"]) -> None:
    """Turn a reward off."""
    await quiz_of(interaction).community.community.rewards.clear(
        guild_key(interaction), RewardKind(reward), by=member_of(interaction)
    )
    await _settings(interaction, "Saved.")


@manage_guild
async def community(interaction: discord.Interaction) -> None:
    """Show the community switches."""
    await _settings(interaction, "")


Callback = Callable[..., Coroutine[Any, Any, None]]
SUBCOMMANDS: tuple[tuple[str, str, Callback], ...] = (
    ("suggestions", "Where suggested questions wait for review (empty: off)", suggestions),
    ("recap", "The weekly recap: on/off, its day and time", recap),
    ("threads", "A discussion thread on each daily question's reveal", threads),
    ("community", "The community settings", community),
)
REWARDS: tuple[tuple[str, str, Callback], ...] = (
    ("streak", "Give a role while a member's daily streak is at least N", streak),
    ("monthly", "Give a role to each month's top scorer", monthly),
    ("off", "Stop a reward; its holders lose the role", off),
)


def install(admin: app_commands.Group) -> None:
    """Add the community subcommands (and the rewards group) to a /quizadmin group."""
    for name, description, callback in SUBCOMMANDS:
        admin.add_command(
            app_commands.Command(name=name, description=description, callback=callback)
        )
    rewards = app_commands.Group(name="rewards", description="Roles for streaks and top scorers")
    for name, description, callback in REWARDS:
        rewards.add_command(
            app_commands.Command(name=name, description=description, callback=callback)
        )
    admin.add_command(rewards)
