"""The Publisher port on Discord: daily posts and reveal edits through the REST API."""

from __future__ import annotations

import discord

from bot.adapters.discord_app import render
from bot.adapters.discord_app.components import post_buttons, reveal_buttons
from bot.core.errors import ChannelUnavailable
from bot.core.model import PostView, RevealView


class DiscordPublisher:
    """Sends and edits posts; 403/404 from Discord become ChannelUnavailable."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def publish(self, view: PostView, ping_role: str | None) -> str:
        """Post the question of the day, mentioning only the configured role."""
        channel = self._client.get_partial_messageable(int(view.post.channel_id))
        mentions = (
            discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(int(ping_role))]
            )
            if ping_role
            else render.NO_PINGS
        )
        try:
            message = await channel.send(
                content=f"<@&{ping_role}>" if ping_role else None,
                embed=render.post_embed(view),
                view=post_buttons(view),
                allowed_mentions=mentions,
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChannelUnavailable(_describe(exc, view.post.channel_id)) from exc
        return str(message.id)

    async def show_reveal(self, view: RevealView) -> None:
        """Edit the post in place; if the message is gone, post the reveal anew."""
        channel = self._client.get_partial_messageable(int(view.post.channel_id))
        embed, buttons = render.reveal_embed(view), reveal_buttons(view)
        try:
            if view.post.message_id is not None:
                try:
                    await channel.get_partial_message(int(view.post.message_id)).edit(
                        embed=embed, view=buttons, allowed_mentions=render.NO_PINGS
                    )
                    return
                except discord.NotFound:
                    pass  # deleted by someone: the reveal still deserves a place
            await channel.send(embed=embed, view=buttons, allowed_mentions=render.NO_PINGS)
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChannelUnavailable(_describe(exc, view.post.channel_id)) from exc


def _describe(exc: discord.HTTPException, channel_id: str) -> str:
    if isinstance(exc, discord.NotFound):
        return f"channel {channel_id} no longer exists (404); run /quizadmin setup with another one"
    return (
        f"missing permission in channel {channel_id} (403): the bot needs View Channel, "
        "Send Messages and Embed Links there"
    )
