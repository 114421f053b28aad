"""The Publisher port on Slack: chat.postMessage for posts, chat.update for reveals."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import blocks
from bot.core.errors import ChannelUnavailable
from bot.core.model import PostView, RevealView

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


def error_code(exc: SlackApiError) -> str:
    """Slack's error code from a failed call."""
    code = exc.response.get("error") if exc.response is not None else None
    return str(code or "unknown_error")


def channel_problem(exc: SlackApiError) -> ChannelUnavailable | None:
    """A ChannelUnavailable when Slack refused because of the channel, else None."""
    code = error_code(exc)
    reason = CHANNEL_ERRORS.get(code)
    return ChannelUnavailable(reason) if reason else None


class SlackPublisher:
    """Sends posts and edits them into reveals; no link_names, so nothing written pings."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def publish(self, view: PostView, ping_role: str | None) -> str:
        """Post to the channel and return the message ts (Slack's message id)."""
        try:
            response = await self._client.chat_postMessage(
                channel=view.post.channel_id,
                text=blocks.post_text(view, ping_role),
                blocks=blocks.post_blocks(view, ping_role),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            problem = channel_problem(exc)
            if problem is None:
                raise
            raise problem from exc
        return str(response["ts"])

    async def show_reveal(self, view: RevealView) -> None:
        """Edit the post into its revealed form, or post the reveal anew if it is gone."""
        post = view.post
        if post.message_id is None:
            # The post never reached the channel (a stop between posting and recording it).
            log.info("post %s was never shown; its reveal is not posted", post.post_id)
            return
        text, content = blocks.reveal_text(view), blocks.reveal_blocks(view)
        try:
            await self._client.chat_update(
                channel=post.channel_id, ts=post.message_id, text=text, blocks=content
            )
            return
        except SlackApiError as exc:
            problem = channel_problem(exc)
            if problem is not None:
                raise problem from exc
            if error_code(exc) not in MESSAGE_GONE:
                raise
            log.info("post %s: message gone (%s), posting the reveal", post.post_id, exc)
        try:
            await self._client.chat_postMessage(
                channel=post.channel_id,
                text=text,
                blocks=content,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            problem = channel_problem(exc)
            if problem is None:
                raise
            raise problem from exc
