"""The Notifier port on Discord: review reminders as direct messages."""

from __future__ import annotations

import discord

from bot.core.errors import ChannelUnavailable


class DiscordNotifier:
    """Sends a member a direct message; closed DMs (403) become ChannelUnavailable."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def remind(self, guild_id: str, member_id: str, due: int) -> None:
        """Tell a member that review questions are waiting, and where."""
        guild = self._client.get_guild(int(guild_id))
        where = f" in **{discord.utils.escape_markdown(guild.name)}**" if guild else ""
        count = "1 question is" if due == 1 else f"{due} questions are"
        text = (
            f"{count} due for your spaced review{where}. Run `/review` there to practise "
            "privately; `/review remind:off` stops these reminders."
        )
        try:
            channel = await self._client.create_dm(discord.Object(int(member_id)))
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChannelUnavailable(f"cannot message member {member_id}: {exc.text}") from exc
