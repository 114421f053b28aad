"""The community port on Slack: review posts, recaps and discussions in a thread."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import blocks, community_blocks
from bot.adapters.slack_app.mrkdwn import mrkdwn
from bot.adapters.slack_app.publisher import (
    MESSAGE_GONE,
    channel_problem,
    error_code,
    translated,
)
from bot.core.community_model import Recap, Suggestion
from bot.core.community_ports import RoleChangeFailed
from bot.core.model import RevealView

log = logging.getLogger(__name__)


class SlackCommunityPublisher:
    """Sends and updates community posts; channel refusals become ChannelUnavailable."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def _post(
        self, channel: str, text: str, content: list[blocks.Block], thread_ts: str | None = None
    ) -> str:
        try:
            response = await self._client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=content,
                unfurl_links=False,
                unfurl_media=False,
                thread_ts=thread_ts,
            )
        except SlackApiError as exc:
            problem = channel_problem(exc)
            if problem is None:
                raise
            raise problem from exc
        return str(response["ts"])

    async def show_suggestion(self, suggestion: Suggestion) -> str | None:
        """Post a suggestion for review, or update its post after a review."""
        assert suggestion.review_channel_id is not None
        channel = suggestion.review_channel_id
        text = f"Suggestion #{suggestion.suggestion_id} by {blocks.escape(suggestion.author.name)}"
        content = community_blocks.review_blocks(suggestion)
        if suggestion.review_message_id is not None:
            try:
                await self._client.chat_update(
                    channel=channel, ts=suggestion.review_message_id, text=text, blocks=content
                )
                return suggestion.review_message_id
            except SlackApiError as exc:
                problem = channel_problem(exc)
                if problem is not None:
                    raise problem from exc
                if error_code(exc) not in MESSAGE_GONE:
                    raise
        return await self._post(channel, text, content)

    async def post_recap(self, recap: Recap) -> None:
        """Post the weekly recap, linking the hardest question's post."""
        link = None
        hard = recap.hardest
        if hard is not None and hard.post.message_id:
            try:
                found = await self._client.chat_getPermalink(
                    channel=hard.post.channel_id, message_ts=hard.post.message_id
                )
                link = str(found["permalink"])
            except SlackApiError as exc:
                log.info("recap: no link to post %s (%s)", hard.post.post_id, error_code(exc))
        text = f"Weekly recap · {recap.week}"
        await self._post(recap.channel_id, text, community_blocks.recap_blocks(recap, link))

    async def open_discussion(self, view: RevealView, title: str) -> None:
        """Reply in the daily post's thread with the answer and its explanation."""
        assert view.post.message_id is not None
        question = view.question
        answer = "\n".join(f"• {mrkdwn(line)}" for line in question.answer)
        content = [
            blocks.section(f"*{blocks.escape(title)}*"),
            blocks.section(f"*Answer*\n{answer}"),
            blocks.section(mrkdwn(question.explanation)),
        ]
        # Outages and rate limits become TryAgainLater: the delivery worker retries them.
        with translated():
            await self._post(view.post.channel_id, title, content, thread_ts=view.post.message_id)

    async def change_role(self, guild_id: str, member_id: str, role_id: str, add: bool) -> None:
        """Slack has no roles: rewards are a Discord feature."""
        raise RoleChangeFailed("Slack workspaces have no roles", retry=False)
