"""Persistent buttons of the learning loop and moderation: "Why was I wrong?" on a revealed
post (its custom id carries the post) and the confirmation of `forget` (it carries the member)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapters.discord_app.context import guarded, guild_key, member_of, quiz_of, reply
from bot.adapters.discord_app.learning_render import EXPLAIN_LABEL, explanation_embed
from bot.core.model import Member
from bot.core.moderation import describe

NEEDS_MANAGE_SERVER = "You need the Manage Server permission to change the quiz settings."


class ExplainButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"quiz:w:(?P<post>\d+)"
):
    """Shows the clicking member, privately, their own answer to a revealed post explained."""

    def __init__(self, post_id: int) -> None:
        self.post_id = post_id
        super().__init__(
            discord.ui.Button(
                label=EXPLAIN_LABEL,
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:w:{post_id}",
                row=1,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ExplainButton:
        """Rebuild from the custom id, on any revealed post, old or new."""
        return cls(int(match["post"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Explain the member's own answer; a member who did not answer is told so."""

        async def handle() -> None:
            explained = await quiz_of(interaction).reviews.explain(
                self.post_id, member_of(interaction)
            )
            await reply(interaction, embed=explanation_embed(explained))

        await guarded(interaction, handle)


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"quiz:f:(?P<member>\d+)"
):
    """The confirmation of `/quizadmin member ... forget`; checks Manage Server again."""

    def __init__(self, member_id: str) -> None:
        self.member_id = member_id
        super().__init__(
            discord.ui.Button(
                label="Forget for good",
                style=discord.ButtonStyle.danger,
                custom_id=f"quiz:f:{member_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ForgetButton:
        """Rebuild from the custom id."""
        return cls(match["member"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Delete every row about the member in this server."""

        async def handle() -> None:
            if not interaction.permissions.manage_guild:
                await reply(interaction, NEEDS_MANAGE_SERVER)
                return
            target = Member(self.member_id, f"member {self.member_id}")
            deleted = await quiz_of(interaction).moderation.forget(
                guild_key(interaction), target, by=member_of(interaction)
            )
            await interaction.response.edit_message(
                content=f"Forgotten: deleted {describe(deleted)}.", view=None
            )

        await guarded(interaction, handle)


def forget_confirmation(member_id: str) -> discord.ui.View:
    """The one button that confirms a forget."""
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton(member_id))
    return view
