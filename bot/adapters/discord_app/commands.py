"""Slash commands: /quiz, /leaderboard, /stats and the /quizadmin group."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands

from bot.adapters.discord_app import community_admin, learning_commands, render
from bot.adapters.discord_app.components import post_buttons
from bot.adapters.discord_app.context import (
    guild_key,
    is_bot_owner,
    member_of,
    quiz_of,
    reply,
)
from bot.adapters.discord_app.learning_render import add_learning
from bot.adapters.discord_app.stats_card import attach_card
from bot.adapters.discord_app.suggest import suggest
from bot.core.errors import DrawAlreadyOpen
from bot.core.model import Period, RankBy
from bot.core.parsing import parse_difficulty, search_timezones

log = logging.getLogger(__name__)

Level = Literal["entry", "junior", "mid", "senior", "expert"]

NOT_OWNER = (
    "Only the bot's owner can reload the question packs: every server this bot is in "
    "shares them. Nothing was reloaded."
)
NO_RELOAD = "Reloading the question packs is not available here."


async def topic_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """At most 25 topics matching what was typed; the command re-checks the value."""
    bank = quiz_of(interaction).service.bank
    described = bank.topics
    return [
        app_commands.Choice(name=render.topic_label(t, described.get(t, "")), value=t)
        for t in bank.search_topics(current)
    ]


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """At most 25 IANA zone names; setup re-validates the value."""
    return [app_commands.Choice(name=z, value=z) for z in search_timezones(current or "Europe/")]


@app_commands.command(name="quiz", description="Draw a Python interview question now")
@app_commands.describe(
    difficulty="entry, junior, mid, senior or expert (any when left out)",
    topic="Only questions about this topic",
    private="A practice question only you see, revealed when you answer; scores nothing",
)
@app_commands.autocomplete(topic=topic_autocomplete)
@app_commands.guild_only()
async def quiz(
    interaction: discord.Interaction,
    difficulty: Level | None = None,
    topic: str | None = None,
    private: bool = False,
) -> None:
    """Draw a question into the channel (or privately)."""
    ctx = quiz_of(interaction)
    try:
        view = await ctx.service.draw(
            guild_key(interaction),
            str(interaction.channel_id),
            member_of(interaction),
            difficulty=parse_difficulty(difficulty) if difficulty else None,
            topic=topic,
            private=private,
        )
    except DrawAlreadyOpen as exc:
        await reply(
            interaction,
            f"A question is already open here; it reveals {render.timestamp(exc.reveal_at_unix)}.",
        )
        return
    try:
        sent = await interaction.response.send_message(
            embed=render.post_embed(view),
            view=post_buttons(view),
            ephemeral=private,
            allowed_mentions=render.NO_PINGS,
        )
    except discord.HTTPException:
        await ctx.service.discard(view.post.post_id)
        raise
    if private:
        return
    # The callback's answer names the message; should the bot stop before recording it,
    # the delivery worker finds the message on the next start (the draw's delivery is held
    # for this handler meanwhile), so the draw is never shown twice.
    message_id = sent.message_id or (await interaction.original_response()).id
    await ctx.service.attach_message(view.post.post_id, str(message_id))


@app_commands.command(name="leaderboard", description="Top 10 and your own rank")
@app_commands.describe(
    period="Points this week, this month or all time", by="Rank by points or current streak"
)
@app_commands.guild_only()
async def leaderboard(
    interaction: discord.Interaction,
    period: Literal["week", "month", "all"] = "all",
    by: Literal["points", "streak"] = "points",
) -> None:
    """Show the leaderboard; names are plain text and never ping."""
    board = await quiz_of(interaction).service.leaderboard(
        guild_key(interaction), str(interaction.user.id), period=Period(period), by=RankBy(by)
    )
    await interaction.response.send_message(
        embed=render.board_embed(board), allowed_mentions=render.NO_PINGS
    )


@app_commands.command(name="stats", description="Streaks, accuracy and points")
@app_commands.describe(member="Whose stats (yours when left out)")
@app_commands.guild_only()
async def stats(interaction: discord.Interaction, member: discord.User | None = None) -> None:
    """Show a member's stats card."""
    target = member or interaction.user
    ctx, guild_id = quiz_of(interaction), guild_key(interaction)
    card = await ctx.service.stats(guild_id, str(target.id))
    learning = await ctx.reviews.learning_stats(guild_id, str(target.id))
    embed = add_learning(render.stats_embed(target.display_name, card), learning)
    # The image card (calendar, accuracy per level), drawn off the event loop and cached.
    picture = await attach_card(ctx, guild_id, target, card, embed)
    await interaction.response.send_message(
        embed=embed, files=[picture] if picture else [], allowed_mentions=render.NO_PINGS
    )


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class QuizAdmin(app_commands.Group, name="quizadmin", description="Configure the daily question"):
    """Admin commands. `default_permissions` only hides them; `interaction_check` enforces."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Refuse anyone without Manage Server, whatever the server's command settings say."""
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _status(self, interaction: discord.Interaction, note: str) -> None:
        status = await quiz_of(interaction).admin.status(guild_key(interaction))
        await reply(interaction, note, embed=render.status_embed(status))

    @app_commands.command(description="Where and when the daily question goes")
    @app_commands.describe(
        channel="Channel for the daily question",
        time="HH:MM, 24-hour",
        timezone="IANA zone, e.g. Europe/Berlin",
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str,
    ) -> None:
        """Set channel, time and zone in one go, once the bot can post there."""
        missing = render.missing_channel_permissions(channel.permissions_for(channel.guild.me))
        if missing:
            await reply(
                interaction,
                f"I can't post the daily question in {channel.mention}: I am missing "
                f"{', '.join(missing)} there. Give my role those permissions in that channel, "
                "then run setup again. Nothing was saved.",
            )
            return
        ctx, guild_id = quiz_of(interaction), guild_key(interaction)
        await ctx.admin.setup(guild_id, str(channel.id), time, timezone, by=member_of(interaction))
        # The client names every guild when it connects; naming it here again is one cheap
        # write that repairs a name it could not store then. An interaction from a guild
        # that is not cached carries no name, hence the check.
        if interaction.guild is not None and interaction.guild.name:
            await ctx.service.name_guilds({guild_id: interaction.guild.name})
        await self._status(interaction, "Saved.")

    @app_commands.command(description="Reveal delays, e.g. daily:8h draw:60s")
    @app_commands.describe(daily="1m to 23h, e.g. 8h", draw="10s to 1h, e.g. 60s")
    async def reveal(
        self, interaction: discord.Interaction, daily: str | None = None, draw: str | None = None
    ) -> None:
        """Change one or both reveal delays."""
        await quiz_of(interaction).admin.set_reveal(
            guild_key(interaction), daily=daily, draw=draw, by=member_of(interaction)
        )
        await self._status(interaction, "Saved.")

    @app_commands.command(description="Level of the daily question")
    @app_commands.describe(
        level="One level, mixed (any level), or ramp (entry on Monday up to expert on Friday)"
    )
    async def difficulty(
        self,
        interaction: discord.Interaction,
        level: Literal["entry", "junior", "mid", "senior", "expert", "mixed", "ramp"],
    ) -> None:
        """One level, mixed, or ramp (entry on Monday up to expert on Friday)."""
        await quiz_of(interaction).admin.set_difficulty(
            guild_key(interaction), level, by=member_of(interaction)
        )
        await self._status(interaction, "Saved.")

    @app_commands.command(
        description="Days with a daily question: mon-fri, every, or e.g. mon,wed,fri"
    )
    @app_commands.describe(days="mon-fri, every, or a list such as mon,wed,fri")
    async def days(self, interaction: discord.Interaction, days: str) -> None:
        """Which weekdays get a daily question."""
        await quiz_of(interaction).admin.set_days(
            guild_key(interaction), days, by=member_of(interaction)
        )
        await self._status(interaction, "Saved.")

    @app_commands.command(description="Stop daily questions (draws keep working)")
    async def pause(self, interaction: discord.Interaction) -> None:
        """Pause the daily question."""
        await quiz_of(interaction).admin.set_paused(
            guild_key(interaction), True, by=member_of(interaction)
        )
        await self._status(interaction, "Paused.")

    @app_commands.command(description="Start daily questions again")
    async def resume(self, interaction: discord.Interaction) -> None:
        """Resume the daily question."""
        await quiz_of(interaction).admin.set_paused(
            guild_key(interaction), False, by=member_of(interaction)
        )
        await self._status(interaction, "Resumed.")

    @app_commands.command(description="Post today's question now if it is not out yet")
    async def postnow(self, interaction: discord.Interaction) -> None:
        """Post the daily question immediately."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = quiz_of(interaction)
        view = await ctx.admin.post_now(guild_key(interaction), by=member_of(interaction))
        if view is None:
            await reply(interaction, "Today's question is already posted.")
            return
        await reply(interaction, f"Posted in <#{view.post.channel_id}>.")

    @app_commands.command(description="A role to mention with each daily question")
    @app_commands.describe(role="The role to mention; leave empty to mention nobody")
    async def ping(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        """Set or clear (leave empty) the ping role."""
        await quiz_of(interaction).admin.set_ping(
            guild_key(interaction), str(role.id) if role else None, by=member_of(interaction)
        )
        await self._status(interaction, "Saved.")

    @app_commands.command(description="The whole configuration, next post and last error")
    async def status(self, interaction: discord.Interaction) -> None:
        """Show the settings."""
        await self._status(interaction, "")

    @app_commands.command(
        description="Bot owner only: read the question packs again, for every server"
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        """Re-read and validate the packs; on any problem the questions in service stay.

        Every guild of the process shares the packs, so beyond Manage Server (the group's
        check) only the bot's owner may reload them, checked here on every use.
        """
        # Reading and validating a large pack takes seconds: answer "thinking" at once.
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = quiz_of(interaction)
        if not await is_bot_owner(interaction.client, interaction.user):
            await reply(interaction, NOT_OWNER)
            return
        if ctx.reload is None:
            await reply(interaction, NO_RELOAD)
            return
        log.info(
            "pack reload asked by user %s in guild %s",
            interaction.user.id,
            interaction.guild_id,
            extra={"guild_id": interaction.guild_id},
        )
        await reply(interaction, render.reload_reply(await ctx.reload()))


def register(tree: app_commands.CommandTree[discord.Client]) -> None:
    """Add every command to the tree."""
    tree.add_command(quiz)
    tree.add_command(leaderboard)
    tree.add_command(stats)
    admin = QuizAdmin()
    learning_commands.add_admin_commands(admin)
    community_admin.install(admin)  # suggestions, recap, threads, rewards, community
    tree.add_command(admin)
    tree.add_command(learning_commands.review)
    tree.add_command(suggest)
