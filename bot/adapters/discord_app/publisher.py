"""The Publisher port on Discord: daily posts and reveal edits through the REST API.

Posting is idempotent: every send carries a nonce derived from the post with
`enforce_nonce`, so Discord answers a repeated send from the last few minutes with the
message it already created instead of a second one. A retry after longer than that looks
for the post among the channel's recent messages first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import discord

from bot.adapters.discord_app import render
from bot.adapters.discord_app.components import post_buttons, reveal_buttons
from bot.core.errors import ChannelUnavailable, TryAgainLater
from bot.core.model import Post, PostView, RevealView
from bot.core.ports import Attempt
from bot.core.text import WITHDRAWN_NOTICE, WITHDRAWN_TITLE

log = logging.getLogger(__name__)

# Discord keeps a nonce "for a few minutes"; past this a retry checks the channel itself.
NONCE_TRUSTED_S = 120.0
# How far back a lookup reads: a post is found among the channel's newest messages.
LOOKUP_LIMIT = 50


def post_nonce(post_id: int) -> str:
    """The nonce of a post's message: the same on every try (at most 25 characters)."""
    return f"quizpost:{post_id}"


def reveal_nonce(post_id: int) -> str:
    """The nonce of a reveal sent anew because its post was deleted."""
    return f"quizreveal:{post_id}"


class DiscordPublisher:
    """Sends and edits posts; Discord's refusals become the port's two errors."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def publish(self, view: PostView, ping_role: str | None, attempt: Attempt) -> str:
        """Post the question of the day once, mentioning only the configured role."""
        post = view.post
        if attempt.is_retry and attempt.since_first_s > NONCE_TRUSTED_S:
            found = await self.find(post)
            if found is not None:
                return found
        channel = self._client.get_partial_messageable(int(post.channel_id))
        mentions = (
            discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(int(ping_role))]
            )
            if ping_role
            else render.NO_PINGS
        )
        with translated(post.channel_id):
            # discord.py sends enforce_nonce with every nonce it is given.
            message = await channel.send(
                content=f"<@&{ping_role}>" if ping_role else None,
                embed=render.post_embed(view),
                view=post_buttons(view),
                allowed_mentions=mentions,
                nonce=post_nonce(post.post_id),
            )
        return str(message.id)

    async def find(self, post: Post) -> str | None:
        """The bot's own recent message whose buttons belong to this post, if any."""
        me = self._client.user
        if me is None:
            return None
        pattern = re.compile(rf"^quiz:[co]:{post.post_id}(?::|$)")
        channel = self._client.get_partial_messageable(int(post.channel_id))
        try:
            with translated(post.channel_id):
                async for message in channel.history(limit=LOOKUP_LIMIT):
                    if message.author.id == me.id and any(
                        pattern.match(custom_id) for custom_id in _custom_ids(message)
                    ):
                        return str(message.id)
        except ChannelUnavailable:
            # Without Read Message History the post cannot be looked for; sending it (the
            # nonce still guards a quick retry) is better than giving it up.
            log.warning(
                "post %s: cannot read the history of channel %s to look for it",
                post.post_id,
                post.channel_id,
            )
        return None

    async def show_reveal(self, view: RevealView) -> None:
        """Edit the post in place; if the message is gone, post the reveal anew."""
        post = view.post
        channel = self._client.get_partial_messageable(int(post.channel_id))
        embed, buttons = render.reveal_embed(view), reveal_buttons(view)
        with translated(post.channel_id):
            if post.message_id is not None:
                try:
                    await channel.get_partial_message(int(post.message_id)).edit(
                        embed=embed, view=buttons, allowed_mentions=render.NO_PINGS
                    )
                    return
                except discord.NotFound as exc:
                    if exc.code != UNKNOWN_MESSAGE:
                        raise
                    # Deleted by someone: the reveal still deserves a place.
            await channel.send(
                embed=embed,
                view=buttons,
                allowed_mentions=render.NO_PINGS,
                nonce=reveal_nonce(post.post_id),
            )

    async def show_withdrawn(self, post: Post) -> None:
        """Replace the post's embed with the notice and drop its buttons."""
        if post.message_id is None:
            return
        channel = self._client.get_partial_messageable(int(post.channel_id))
        embed = discord.Embed(title=WITHDRAWN_TITLE, description=WITHDRAWN_NOTICE)
        with translated(post.channel_id):
            try:
                await channel.get_partial_message(int(post.message_id)).edit(
                    embed=embed, view=None, allowed_mentions=render.NO_PINGS
                )
            except discord.NotFound as exc:
                if exc.code != UNKNOWN_MESSAGE:
                    raise
                # Deleted by someone: no buttons are left to close.


UNKNOWN_MESSAGE = 10008


@contextmanager
def translated(channel_id: str) -> Iterator[None]:
    """Discord's failures as the Publisher port's: refused for good, or try again later."""
    try:
        yield
    except discord.RateLimited as exc:
        raise TryAgainLater(
            f"Discord rate limited the bot for {exc.retry_after:.0f}s", exc.retry_after
        ) from exc
    except (discord.Forbidden, discord.NotFound) as exc:
        raise ChannelUnavailable(_describe(exc, channel_id)) from exc
    except discord.DiscordServerError as exc:
        raise TryAgainLater(f"Discord answered {exc.status} {exc.response.reason}") from exc
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise TryAgainLater(f"could not reach Discord ({type(exc).__name__})") from exc


def _custom_ids(message: discord.Message) -> list[str]:
    found: list[str] = []
    for row in message.components:
        for child in getattr(row, "children", []):
            custom_id = getattr(child, "custom_id", None)
            if custom_id:
                found.append(custom_id)
    return found


def _describe(exc: discord.HTTPException, channel_id: str) -> str:
    if isinstance(exc, discord.NotFound):
        return f"channel {channel_id} no longer exists (404); run /quizadmin setup with another one"
    return (
        f"missing permission in channel {channel_id} (403): the bot needs View Channel, "
        "Send Messages, Embed Links and Read Message History there"
    )
