"""The discord.py client: registers commands, persistent buttons and the answer forms,
starts the scheduler, and catches up once connected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord_app import commands
from bot.adapters.discord_app.components import (
    ANSWER_FORM,
    CHOICE,
    DYNAMIC_ITEMS,
    choose,
    submit_answer,
)
from bot.adapters.discord_app.context import QuizContext, expired, log_expired, quiz_of, reply
from bot.adapters.discord_app.suggest import ReviewButton
from bot.adapters.discord_app.suggest_forms import FORM_ITEMS
from bot.core.errors import QuizError

log = logging.getLogger(__name__)

# A 429 asking for a longer wait is not slept through inside discord.py: it comes back as
# RateLimited, and the delivery is retried after Discord's retry_after instead.
MAX_RATELIMIT_WAIT_S = 30.0


class QuizTree(app_commands.CommandTree[discord.Client]):
    """One place that turns command errors into messages for the member."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Runs in the command's own task: count it as in flight until it is done."""
        quiz_of(interaction).inflight.track_current()
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """QuizErrors and refused checks become ephemeral replies; the rest is logged."""
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, QuizError):
            await reply(interaction, str(cause))
        elif isinstance(cause, app_commands.MissingPermissions):
            await reply(
                interaction, "You need the Manage Server permission to change the quiz settings."
            )
        elif isinstance(cause, app_commands.NoPrivateMessage):
            await reply(interaction, "The quiz works inside a server, not in direct messages.")
        elif isinstance(cause, app_commands.CheckFailure):
            await reply(interaction, "You cannot use this command here.")
        elif expired(cause):
            log_expired(interaction)  # answering again would only fail again
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "command /%s failed in guild %s",
                command,
                interaction.guild_id,
                exc_info=cause,
                extra={"guild_id": interaction.guild_id},
            )
            await reply(interaction, "Something went wrong on our side; please try again.")


class QuizClient(discord.Client):
    """The bot. It needs no privileged intent: names come with each interaction."""

    def __init__(
        self,
        *,
        sync: bool = False,
        serve: bool = True,
        dev_guild_id: int | None = None,
        **options: Any,
    ) -> None:
        # The quiz never joins voice, so the missing voice libraries are no news.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=discord.Intents(guilds=True),
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT_S,
            **options,
        )
        self.tree = QuizTree(self)
        commands.register(self.tree)
        self.quiz: QuizContext
        self._sync = sync
        self._serve = serve
        self._dev_guild_id = dev_guild_id
        self._catch_up: asyncio.Task[None] | None = None
        # Guild names stored by this process, by guild id (see remember_names).
        self._names: dict[int, str] = {}

    def connected(self) -> bool:
        """Ready and connected now (is_ready() stays true while reconnecting)."""
        return self.is_ready() and self.ws is not None and self.ws.open

    def attach(self, quiz: QuizContext) -> None:
        """Give the client its engine (done once, before start)."""
        self.quiz = quiz

    async def setup_hook(self) -> None:
        """Register persistent buttons, sync commands when asked, start the scheduler.

        Nothing here depends on the number of guilds: the catch-up on what fell due while
        the bot was down waits until the gateway is connected.
        """
        self.add_dynamic_items(*DYNAMIC_ITEMS, ReviewButton, *FORM_ITEMS)
        if self._sync:
            await self.sync_commands()
        if self._serve:
            # Guild questions first: the scheduler's catch-up reveals posts that may use them.
            await self.quiz.community.ticker.start()
            await self.quiz.scheduler.start()

    async def on_ready(self) -> None:
        """Connected: catch up once (reconnects fire this again), and name every guild."""
        if self._serve and self._catch_up is None:
            self._catch_up = asyncio.create_task(
                self.quiz.scheduler.catch_up(), name="quizbot-catch-up"
            )
        await self.remember_names(self.guilds)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A guild is back after an outage (at the start, on_ready names them all at once)."""
        if self.is_ready():
            await self.remember_names([guild])

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """The bot was added to a server."""
        if self.is_ready():
            await self.remember_names([guild])

    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        """A server was renamed (or changed something else, which the quiz ignores)."""
        if before.name != after.name:
            await self.remember_names([after])

    async def remember_names(self, guilds: Iterable[discord.Guild]) -> None:
        """Store the guilds' names for `quizbot guilds`; a name is only cosmetic, so a
        failure is logged and never stops anything.

        Names this process stored already are skipped: a reconnect's on_ready then writes
        nothing for the thousands of guilds that did not change.
        """
        fresh = {g.id: g.name for g in guilds if g.name and self._names.get(g.id) != g.name}
        if not fresh:
            return
        try:
            await self.quiz.service.name_guilds({str(gid): name for gid, name in fresh.items()})
        except Exception:
            log.warning("could not store the names of %d guild(s)", len(fresh), exc_info=True)
            return
        self._names.update(fresh)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Choice clicks and answer forms are handled here, from the interaction alone."""
        kind = interaction.type
        if kind is discord.InteractionType.component:
            match = CHOICE.match(interaction.custom_id or "")
            if match is not None:
                await choose(interaction, int(match["post"]), int(match["choice"]))
        elif kind is discord.InteractionType.modal_submit:
            match = ANSWER_FORM.match(interaction.custom_id or "")
            if match is not None:
                await submit_answer(interaction, int(match["post"]))

    async def sync_commands(self) -> None:
        """Publish the commands: to the dev guild instantly, else globally."""
        if self._dev_guild_id is not None:
            guild = discord.Object(self._dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), self._dev_guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))


class ShardedQuizClient(QuizClient, discord.AutoShardedClient):
    """The bot running some of the shards (`shard_count`, `shard_ids`) in this process."""

    def connected(self) -> bool:
        """Ready, and every shard's websocket is open."""
        return self.is_ready() and all(not shard.is_closed() for shard in self.shards.values())
