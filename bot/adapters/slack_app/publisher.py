"""The Publisher port on Slack: chat.postMessage for posts, chat.update for reveals.

Slack has no idempotency key for posting, so every post carries message metadata naming
it; a retry (the last try's answer may have been lost, or the app died before recording
it) first looks for that metadata in the channel's recent history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import blocks
from bot.core.errors import ChannelUnavailable, TryAgainLater
from bot.core.model import Post, PostView, RevealView
from bot.core.ports import FIRST_ATTEMPT, Attempt
from bot.core.text import WITHDRAWN_NOTICE, WITHDRAWN_TITLE

log = logging.getLogger(__name__)

# Slack's answers that mean "this channel cannot take the post", with what to do about it.
CHANNEL_ERRORS = {
    "channel_not_found": "the channel does not exist or I cannot see it (channel_not_found)",
    "not_in_channel": "I am not a member of the channel: /invite me there (not_in_channel)",
    "is_archived": "the channel is archived (is_archived)",
    "restricted_action": "the workspace does not let me post there (restricted_action)",
    "access_denied": "the workspace does not let me post there (access_denied)",
    "missing_scope": "the app lacks the chat:write permission: reinstall it (missing_scope)",
}
# The message to edit is gone (or too old to edit): the reveal is posted anew instead.
MESSAGE_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
# Slack's answers that mean "not now": an outage or a rate limit.
TRANSIENT = frozenset(
    {"ratelimited", "service_unavailable", "fatal_error", "internal_error", "request_timeout"}
)
METADATA_EVENT = "quizbot_post"
LOOKUP_LIMIT = 100


def post_metadata(post_id: int) -> dict[str, Any]:
    """The message metadata that names the post a message shows."""
    return {"event_type": METADATA_EVENT, "event_payload": {"post_id": post_id}}


def error_code(exc: SlackApiError) -> str:
    """Slack's error code from a failed call."""
    code = exc.response.get("error") if exc.response is not None else None
    return str(code or "unknown_error")


def channel_problem(exc: SlackApiError) -> ChannelUnavailable | None:
    """A ChannelUnavailable when Slack refused because of the channel, else None."""
    code = error_code(exc)
    reason = CHANNEL_ERRORS.get(code)
    return ChannelUnavailable(reason) if reason else None


def transient_problem(exc: SlackApiError) -> TryAgainLater | None:
    """A TryAgainLater when Slack is down or rate limiting (with its Retry-After), else None."""
    response = exc.response
    status = getattr(response, "status_code", 200) if response is not None else 200
    code = error_code(exc)
    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", None) or {}
        retry = headers.get("Retry-After") or headers.get("retry-after")
        seconds = float(retry) if retry else None
        return TryAgainLater(f"Slack rate limited the app ({code})", seconds)
    if status >= 500 or code in TRANSIENT:
        return TryAgainLater(f"Slack answered {status} ({code})")
    return None


@contextmanager
def translated() -> Iterator[None]:
    """Slack's failures as the Publisher port's: refused for good, or try again later."""
    try:
        yield
    except SlackApiError as exc:
        problem: Exception | None = channel_problem(exc) or transient_problem(exc)
        if problem is None:
            raise
        raise problem from exc
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise TryAgainLater(f"could not reach Slack ({type(exc).__name__})") from exc


class SlackPublisher:
    """Sends posts and edits them into reveals; no link_names, so nothing written pings."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def publish(
        self, view: PostView, ping_role: str | None, attempt: Attempt = FIRST_ATTEMPT
    ) -> str:
        """Post to the channel once and return the message ts (Slack's message id)."""
        if attempt.is_retry:
            found = await self.find(view.post)
            if found is not None:
                return found
        with translated():
            response = await self._client.chat_postMessage(
                channel=view.post.channel_id,
                text=blocks.post_text(view, ping_role),
                blocks=blocks.post_blocks(view, ping_role),
                metadata=post_metadata(view.post.post_id),
                unfurl_links=False,
                unfurl_media=False,
            )
        return str(response["ts"])

    async def find(self, post: Post) -> str | None:
        """The ts of a recent message whose metadata names this post, if any."""
        try:
            with translated():
                response = await self._client.conversations_history(
                    channel=post.channel_id, limit=LOOKUP_LIMIT, include_all_metadata=True
                )
        except ChannelUnavailable:
            # Without the history scopes (an install from before they were asked for) the
            # post cannot be looked for; posting is still better than giving it up.
            log.warning(
                "post %s: cannot read the history of %s to look for it; "
                "add channels:history and groups:history and reinstall the app",
                post.post_id,
                post.channel_id,
            )
            return None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and payload.get("post_id") == post.post_id
            ):
                return str(message["ts"])
        return None

    async def show_reveal(self, view: RevealView) -> None:
        """Edit the post into its revealed form, or post the reveal anew if it is gone."""
        post = view.post
        if post.message_id is None:
            # Never shown, so there is nothing to close.
            log.info("post %s was never shown; its reveal is not posted", post.post_id)
            return
        text, content = blocks.reveal_text(view), blocks.reveal_blocks(view)
        with translated():
            try:
                await self._client.chat_update(
                    channel=post.channel_id, ts=post.message_id, text=text, blocks=content
                )
                return
            except SlackApiError as exc:
                if error_code(exc) not in MESSAGE_GONE:
                    raise
                log.info("post %s: message gone (%s), posting the reveal", post.post_id, exc)
            await self._client.chat_postMessage(
                channel=post.channel_id,
                text=text,
                blocks=content,
                unfurl_links=False,
                unfurl_media=False,
            )

    async def show_withdrawn(self, post: Post) -> None:
        """Replace the post's blocks (and so its buttons) with the notice."""
        if post.message_id is None:
            return
        content = [blocks.section(f"*{WITHDRAWN_TITLE}*\n{WITHDRAWN_NOTICE}")]
        with translated():
            try:
                await self._client.chat_update(
                    channel=post.channel_id,
                    ts=post.message_id,
                    text=f"{WITHDRAWN_TITLE}. {WITHDRAWN_NOTICE}",
                    blocks=content,
                )
            except SlackApiError as exc:
                if error_code(exc) not in MESSAGE_GONE:
                    raise
                # Deleted by someone: no buttons are left to close.
