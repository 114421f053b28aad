"""What the learning loop's and moderation's commands and buttons do on Slack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import blocks, commands
from bot.adapters.slack_app import learning_replies as replies
from bot.core.audit import AuditedAdmin
from bot.core.errors import ChannelUnavailable, InvalidInput
from bot.core.model import Member
from bot.core.moderation import MemberAction, Moderation, describe, parse_action, parse_switch
from bot.core.reviewing import Reviews
from bot.core.service import QuizService

ADMIN_ACTIONS = ("selfgrade", "member", "audit")


class SlackNotifier:
    """The Notifier port on Slack: a direct message from the app (its Messages tab)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def remind(self, guild_id: str, member_id: str, due: int) -> None:
        """Post the reminder to the member's conversation with the app."""
        try:
            await self._client.chat_postMessage(channel=member_id, text=replies.reminder(due))
        except SlackApiError as exc:
            code = exc.response.get("error") if exc.response is not None else "unknown_error"
            raise ChannelUnavailable(f"cannot message {member_id} ({code})") from exc


class LearningListeners:
    """`/quiz review`, "Why was I wrong?", `/quiz-admin selfgrade|member|audit`, forget."""

    def __init__(
        self,
        service: QuizService,
        admin: AuditedAdmin,
        client: AsyncWebClient,
        require_admin: Callable[[str, str], Awaitable[None]],
    ) -> None:
        self.admin = admin
        self.reviews = Reviews(service, SlackNotifier(client))
        self.moderation = Moderation(service)
        self._require_admin = require_admin

    async def review(
        self, team_id: str, channel_id: str, member: Member, words: list[str]
    ) -> dict[str, Any]:
        """`/quiz review [remind on|off]`: the response to send, ephemeral."""
        if words and words[0].lower() == "remind" and len(words) == 2:
            on = await self.reviews.set_reminder(team_id, member, parse_switch(words[1]))
            state = (
                "on: a direct message, at most once a day, when questions are due" if on else "off"
            )
            return {"text": f"Review reminders are {state}."}
        if words:
            raise InvalidInput(replies.REVIEW_USAGE)
        offer = await self.reviews.review(team_id, channel_id, member)
        if offer.view is None:
            return {"text": replies.nothing_due(offer)}
        content = [blocks.context("*Review* · only you see it · no points")]
        return {
            "text": blocks.post_text(offer.view),
            "blocks": content + blocks.post_blocks(offer.view),
        }

    async def why(self, member: Member, action_id: str) -> str:
        """The "Why was I wrong?" button: the member's own answer explained."""
        post_id = int(action_id.rsplit(":", 1)[1])
        return replies.explanation(await self.reviews.explain(post_id, member))

    async def admin_command(
        self, team_id: str, caller: Member, parsed: commands.AdminArgs, respond: AsyncRespond
    ) -> None:
        """`/quiz-admin selfgrade on|off`, `member @user ACTION`, `audit` (admin checked)."""
        if parsed.action == "audit":
            text = replies.audit(await self.admin.recent(team_id))
        elif parsed.action == "selfgrade":
            on = await self.moderation.set_selfgrade(
                team_id, parse_switch(parsed.args[0]), by=caller
            )
            text = (
                ":white_check_mark: Self-graded answers now score points and streaks."
                if on
                else ":white_check_mark: Self-graded answers count in personal stats only."
            )
        else:
            ref = commands.parse_member(parsed.args[0])
            action = parse_action(parsed.args[1])
            assert ref is not None
            target = Member(ref.id, ref.label or ref.id)
            if action is MemberAction.FORGET:
                found = describe(await self.moderation.footprint(team_id, target.id))
                await respond(
                    text=f"Forget {blocks.escape(target.name)}?",
                    blocks=replies.forget_prompt(target.name, target.id, found),
                    response_type="ephemeral",
                )
                return
            text = blocks.escape(await self.moderation.apply(team_id, action, target, by=caller))
        await respond(text=text, response_type="ephemeral")

    async def forget(
        self, team_id: str, caller: Member, action_id: str, respond: AsyncRespond
    ) -> None:
        """The forget confirmation button: the admin check again, then every row goes."""
        await self._require_admin(caller.id, team_id)
        member_id = action_id.rsplit(":", 1)[1]
        deleted = await self.moderation.forget(team_id, Member(member_id, member_id), by=caller)
        await respond(
            text=f":white_check_mark: Forgotten: deleted {describe(deleted)}.",
            replace_original=True,
        )
