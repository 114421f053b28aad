"""The community port on Discord: review posts, recaps with a picture, threads and roles."""

from __future__ import annotations

import asyncio
import io
import logging

import aiohttp
import discord

from bot.adapters.discord_app import cards, community_render, render
from bot.adapters.discord_app.publisher import translated
from bot.adapters.discord_app.suggest import review_buttons
from bot.core.community_model import Recap, Suggestion
from bot.core.community_ports import RoleChangeFailed
from bot.core.errors import ChannelUnavailable
from bot.core.model import RevealView
from bot.core.text import board_figure

log = logging.getLogger(__name__)

# Discord's error codes for a member who left the server, and for a message that has
# its thread already.
UNKNOWN_MEMBER = 10007
THREAD_ALREADY_CREATED = 160004


class DiscordCommunityPublisher:
    """Sends and edits community posts; Discord's refusals become the engine's errors."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def _channel(self, guild_id: str, channel_id: str) -> discord.PartialMessageable:
        return self._client.get_partial_messageable(int(channel_id), guild_id=int(guild_id))

    async def show_suggestion(self, suggestion: Suggestion) -> str | None:
        """Post the suggestion for review, or update its post after a review."""
        assert suggestion.review_channel_id is not None
        channel = self._channel(suggestion.guild_id, suggestion.review_channel_id)
        embed = community_render.suggestion_embed(suggestion)
        buttons = review_buttons(suggestion)
        try:
            if suggestion.review_message_id is not None:
                message = channel.get_partial_message(int(suggestion.review_message_id))
                try:
                    await message.edit(embed=embed, view=buttons, allowed_mentions=render.NO_PINGS)
                    return suggestion.review_message_id
                except discord.NotFound:
                    pass  # the review post was deleted: post it again
            if buttons is None:
                sent = await channel.send(embed=embed, allowed_mentions=render.NO_PINGS)
            else:
                sent = await channel.send(
                    embed=embed, view=buttons, allowed_mentions=render.NO_PINGS
                )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChannelUnavailable(_channel_problem(exc, suggestion.review_channel_id)) from exc
        return str(sent.id)

    async def post_recap(self, recap: Recap) -> None:
        """Post the recap with its leaderboard picture (drawn off the event loop)."""
        channel = self._channel(recap.guild_id, recap.channel_id)
        title = f"Week {recap.week} · top {len(recap.top) or 5}"
        png = await asyncio.to_thread(cards.render_board, title, recap.top, "pts")
        board = "; ".join(f"{e.rank}. {e.name}, {board_figure(True, e.value)}" for e in recap.top)
        image = discord.File(
            io.BytesIO(png),
            filename="recap.png",
            description=f"Leaderboard of the week: {board or 'nobody scored'}."[:1024],
        )
        try:
            await channel.send(
                embed=community_render.recap_embed(recap, with_image=True),
                file=image,
                allowed_mentions=render.NO_PINGS,
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChannelUnavailable(_channel_problem(exc, recap.channel_id)) from exc

    async def open_discussion(self, view: RevealView, title: str) -> None:
        """Start a thread on the revealed daily's message."""
        post = view.post
        assert post.message_id is not None
        message = self._channel(post.guild_id, post.channel_id).get_partial_message(
            int(post.message_id)
        )
        # Outages and rate limits become TryAgainLater: the delivery worker retries them.
        with translated(post.channel_id):
            try:
                await message.create_thread(name=title, auto_archive_duration=1440)  # a day
            except discord.Forbidden as exc:
                raise ChannelUnavailable(
                    f"missing permission in channel {post.channel_id} (403): the bot needs "
                    "Create Public Threads there"
                ) from exc
            except discord.HTTPException as exc:
                if exc.code == THREAD_ALREADY_CREATED:
                    return  # an earlier attempt made it before the process stopped
                if isinstance(exc, discord.DiscordServerError):
                    raise
                raise ChannelUnavailable(f"Discord refused the thread: {exc.text or exc}") from exc

    async def change_role(self, guild_id: str, member_id: str, role_id: str, add: bool) -> None:
        """Give or take a role through the REST API (no member cache is needed for it)."""
        http = self._client.http
        reason = "quizbot reward" if add else "quizbot reward ended"
        try:
            if add:
                await http.add_role(guild_id, member_id, role_id, reason=reason)
            else:
                await http.remove_role(guild_id, member_id, role_id, reason=reason)
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MEMBER:
                log.info("guild %s: member %s left; no role to change", guild_id, member_id)
                return
            raise RoleChangeFailed(f"the role {role_id} no longer exists", retry=False) from exc
        except discord.Forbidden as exc:
            raise RoleChangeFailed(
                f"I may not change the role <@&{role_id}>: I need Manage Roles, and my highest "
                "role must be above it",
                retry=False,
            ) from exc
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise RoleChangeFailed(f"Discord did not answer: {exc}", retry=True) from exc


def _channel_problem(exc: discord.HTTPException, channel_id: str) -> str:
    if isinstance(exc, discord.NotFound):
        return f"channel {channel_id} no longer exists (404)"
    return (
        f"missing permission in channel {channel_id} (403): the bot needs View Channel, "
        "Send Messages, Embed Links and Attach Files there"
    )
