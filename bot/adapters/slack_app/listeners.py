"""What each slash command, button and modal does: read the payload, call the engine, render."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import actions, blocks, commands, learning_replies, replies
from bot.adapters.slack_app.learning_listeners import ADMIN_ACTIONS, LearningListeners
from bot.adapters.slack_app.publisher import SlackPublisher, error_code
from bot.core.admin import GuildAdmin
from bot.core.audit import AuditedAdmin
from bot.core.errors import ChannelUnavailable, NotAllowed, PostClosed, TryAgainLater
from bot.core.model import Member, PostKind, RevealView, Tally
from bot.core.reloading import Reload
from bot.core.service import QuizService
from bot.scheduling import QuizScheduler

Payload = dict[str, Any]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """Who did something, where: the workspace plays the guild."""

    team_id: str
    channel_id: str | None
    member: Member

    @classmethod
    def of_command(cls, command: Payload) -> Caller:
        """From a slash command's form fields."""
        user_id = str(command["user_id"])
        member = Member(user_id, str(command.get("user_name") or user_id))
        return cls(str(command["team_id"]), str(command["channel_id"]), member)

    @classmethod
    def of_interaction(cls, body: Payload) -> Caller:
        """From a block action or view submission payload."""
        user = body["user"]
        name = user.get("username") or user.get("name") or user["id"]
        team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
        channel = (body.get("channel") or {}).get("id")
        return cls(str(team), channel, Member(str(user["id"]), str(name)))


def is_admin(user: Payload) -> bool:
    """A users.info record of a workspace admin or owner."""
    return bool(user.get("is_admin") or is_owner(user))


def is_owner(user: Payload) -> bool:
    """A users.info record of an owner or the primary owner of the workspace.

    They alone may reload the question packs. Reloading swaps the questions of everything
    this process serves, and the app is installed per workspace (org_deploy_enabled is
    false in slack-manifest.yaml), so the process serves one workspace, and its owners
    answer for all of it, as the application's owner does on Discord. Slack keeps this
    record itself and it is asked on every use, so, unlike a list of user ids in a setting,
    there is nothing to configure or to forget to update when owners change. Workspace
    admins may change the quiz settings, but not this.
    """
    return bool(user.get("is_owner") or user.get("is_primary_owner"))


def is_ephemeral(body: Payload) -> bool:
    """True when the button sat in a message only the clicker sees."""
    return bool((body.get("container") or {}).get("is_ephemeral"))


class QuizListeners:
    """The adapter's use of the engine; every method runs after ack()."""

    def __init__(
        self,
        service: QuizService,
        admin: GuildAdmin,
        scheduler: QuizScheduler,
        client: AsyncWebClient,
        reload: Reload | None = None,
    ) -> None:
        self.service = service
        self.reload = reload
        self.admin = AuditedAdmin(admin, service)
        self.scheduler = scheduler
        self.client = client
        self.publisher = SlackPublisher(client)
        self.learning = LearningListeners(service, self.admin, client, self.require_admin)

    async def ephemeral(self, channel_id: str, user_id: str, text: str) -> None:
        """A message only one member sees."""
        await self.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)

    # -- slash commands ---------------------------------------------------------

    async def quiz(self, command: Payload, respond: AsyncRespond) -> None:
        """`/quiz [difficulty] [topic] [private]`: draw a question now."""
        caller = Caller.of_command(command)
        words = str(command.get("text") or "").split()
        if words and words[0].lower() == "review":
            assert caller.channel_id is not None
            reply = await self.learning.review(
                caller.team_id, caller.channel_id, caller.member, words[1:]
            )
            await respond(**reply, response_type="ephemeral")
            return
        if words and words[0].lower() == "topics":
            await respond(text=replies.topics(self.service.bank), response_type="ephemeral")
            return
        args = commands.parse_quiz(str(command.get("text") or ""))
        if args.help:
            await respond(text=replies.QUIZ_USAGE, response_type="ephemeral")
            return
        assert caller.channel_id is not None
        view = await self.service.draw(
            caller.team_id,
            caller.channel_id,
            caller.member,
            difficulty=args.difficulty,
            topic=args.topic,
            private=args.private,
        )
        if args.private:
            await respond(
                text=blocks.post_text(view),
                blocks=blocks.post_blocks(view),
                response_type="ephemeral",
            )
            return
        try:
            message_id = await self.publisher.publish(view, None)
        except ChannelUnavailable as exc:
            await self.service.discard(view.post.post_id)
            await respond(
                text=replies.channel_refused(caller.channel_id, str(exc)),
                response_type="ephemeral",
            )
            return
        except TryAgainLater as exc:
            # The post may have gone out with its answer lost: the delivery worker looks for
            # it shortly and shows it as live, or gives the draw up if it is not there.
            await respond(text=replies.draw_unconfirmed(str(exc)), response_type="ephemeral")
            return
        except Exception:
            # Never shown, so it must not hold the channel's one open draw until its reveal.
            await self.service.discard(view.post.post_id)
            raise
        await self.service.attach_message(view.post.post_id, message_id)

    async def leaderboard(self, command: Payload, respond: AsyncRespond) -> None:
        """`/quiz-leaderboard [week|month|all] [points|streak]`."""
        caller = Caller.of_command(command)
        period, by = commands.parse_leaderboard(str(command.get("text") or ""))
        board = await self.service.leaderboard(
            caller.team_id, caller.member.id, period=period, by=by
        )
        await respond(text=replies.board(board), response_type="ephemeral")

    async def stats(self, command: Payload, respond: AsyncRespond) -> None:
        """`/quiz-stats [@member]`."""
        caller = Caller.of_command(command)
        ref = commands.parse_member(str(command.get("text") or ""))
        member_id = ref.id if ref else caller.member.id
        name = caller.member.name if ref is None else (ref.label or "That member")
        found = await self.service.stats(caller.team_id, member_id)
        learning = await self.learning.reviews.learning_stats(caller.team_id, member_id)
        text = f"{replies.stats(name, found)}\n{learning_replies.learning(learning)}"
        await respond(text=text, response_type="ephemeral")

    async def admin_command(self, command: Payload, respond: AsyncRespond) -> None:
        """`/quiz-admin ...`: admins and owners only, checked on every use."""
        caller = Caller.of_command(command)
        text = str(command.get("text") or "")
        if commands.is_help(text):
            await respond(text=replies.ADMIN_USAGE, response_type="ephemeral")
            return
        # Permission first: a member who may not change settings learns nothing else.
        user = await self.member_here(caller.member.id, caller.team_id)
        if not is_admin(user):
            raise NotAllowed(replies.NOT_ADMIN)
        parsed = commands.parse_admin(text)
        if parsed.action == "reload":
            if not is_owner(user):
                raise NotAllowed(replies.NOT_OWNER)
            await self.reload_packs(caller, respond)
            return
        if parsed.action in ADMIN_ACTIONS:
            await self.learning.admin_command(caller.team_id, caller.member, parsed, respond)
            return
        headline = await self._run_admin(caller.team_id, parsed, caller.member)
        status = await self.admin.status(caller.team_id)
        await respond(text=replies.status(status, headline), response_type="ephemeral")

    async def require_admin(self, user_id: str, team_id: str) -> None:
        """NotAllowed unless Slack says the member is an admin or owner of this workspace."""
        if not is_admin(await self.member_here(user_id, team_id)):
            raise NotAllowed(replies.NOT_ADMIN)

    async def member_here(self, user_id: str, team_id: str) -> Payload:
        """The member's users.info record, asked now; empty for a member of another workspace.

        In an Enterprise Grid org a member of one workspace can run commands in another;
        their admin and owner flags belong to their own workspace, so that must be this one.
        """
        response = await self.client.users_info(user=user_id)
        user: Payload = response.get("user") or {}
        return user if user.get("team_id") == team_id else {}

    async def reload_packs(self, caller: Caller, respond: AsyncRespond) -> None:
        """`/quiz-admin reload`: read and validate the packs again; on a problem keep the old."""
        if self.reload is None:
            await respond(text=replies.NO_RELOAD, response_type="ephemeral")
            return
        log.info("pack reload asked by %s in workspace %s", caller.member.id, caller.team_id)
        result = await self.reload()
        await respond(text=replies.reload_reply(result), response_type="ephemeral")

    async def _run_admin(self, team_id: str, parsed: commands.AdminArgs, by: Member) -> str | None:
        action, args = parsed.action, parsed.args
        if action == "setup":
            channel = commands.parse_channel(args[0])
            refusal = await self.cannot_post_in(channel)
            if refusal is not None:
                return f"{refusal} Nothing was saved."
            await self.admin.setup(team_id, channel, args[1], args[2], by=by)
            return f":white_check_mark: Saved. The daily question goes to <#{channel}>."
        if action == "reveal":
            await self.admin.set_reveal(team_id, **commands.parse_reveal(args), by=by)
        elif action == "difficulty":
            await self.admin.set_difficulty(team_id, args[0], by=by)
        elif action == "days":
            await self.admin.set_days(team_id, " ".join(args), by=by)
        elif action == "ping":
            await self.admin.set_ping(team_id, commands.parse_ping(args[0]), by=by)
        elif action in ("pause", "resume"):
            await self.admin.set_paused(team_id, action == "pause", by=by)
        elif action == "postnow":
            return await self._post_now(team_id, by)
        else:
            return None
        return ":white_check_mark: Saved."

    async def cannot_post_in(self, channel: str) -> str | None:
        """Why the bot could not post in `channel`, or None when it can."""
        try:
            found = (await self.client.conversations_info(channel=channel))["channel"]
        except SlackApiError as exc:
            if error_code(exc) in ("channel_not_found", "not_in_channel"):
                return (
                    f"I can't see <#{channel}>: if it is a private channel, invite me first "
                    "(`/invite @quizbot` there) and run setup again."
                )
            raise
        if found.get("is_archived"):
            return f"<#{channel}> is archived; choose a channel people still read."
        if not found.get("is_member"):
            return f"I am not in <#{channel}> yet: `/invite @quizbot` there, then run setup again."
        return None

    async def _post_now(self, team_id: str, by: Member) -> str:
        view = await self.admin.post_now(team_id, by=by)
        if view is None:
            return "Today's question is already posted."
        return f":white_check_mark: Posted today's question in <#{view.post.channel_id}>."

    # -- buttons and the modal --------------------------------------------------

    async def choose(self, body: Payload, respond: AsyncRespond) -> None:
        """A choice button: record the answer and acknowledge it privately."""
        caller = Caller.of_interaction(body)
        post_id, choice = actions.parse_choice(str(body["actions"][0]["action_id"]))
        receipt = await self.service.answer(
            post_id, caller.member, choice=choice, guild_id=caller.team_id
        )
        view = receipt.view
        if view.post.kind is PostKind.PRIVATE:
            right = bool(receipt.correct)
            verdict = f"You answered *{view.letter_of(choice)}*: " + (
                "right! :tada:" if right else "not quite."
            )
            why = learning_replies.why_of(view, choice)
            verdict = f"{verdict}\n{why}" if why else verdict
            revealed = RevealView(view.post, view.question, Tally({choice: 1}, 1, int(right)))
            await respond(
                text=blocks.reveal_text(revealed),
                blocks=blocks.reveal_blocks(revealed, verdict=verdict),
                replace_original=True,
            )
            return
        await self.ephemeral(
            view.post.channel_id, caller.member.id, replies.answer_ack(view, choice)
        )

    async def open_answer(self, body: Payload) -> None:
        """An open question's Answer button: show the modal."""
        caller = Caller.of_interaction(body)
        post_id = actions.parse_open(str(body["actions"][0]["action_id"]))
        view = await self.service.view(post_id)
        if not view.post.is_open:
            raise PostClosed("This question has already been revealed; answers are closed.")
        url = body.get("response_url") if view.post.kind is PostKind.PRIVATE else None
        modal = actions.ModalContext(post_id, caller.channel_id or view.post.channel_id, url)
        await self.client.views_open(
            trigger_id=body["trigger_id"], view=blocks.answer_modal(view, modal.dump())
        )

    async def submit_answer(self, body: Payload) -> None:
        """The modal's submission: record the open answer."""
        caller = Caller.of_interaction(body)
        modal = actions.ModalContext.load(str(body["view"].get("private_metadata") or ""))
        values = body["view"]["state"]["values"]
        text = str(values[actions.MODAL_BLOCK][actions.MODAL_INPUT].get("value") or "")
        receipt = await self.service.answer(
            modal.post_id, caller.member, text=text, guild_id=caller.team_id
        )
        view = receipt.view
        if view.post.kind is PostKind.PRIVATE and modal.response_url:
            revealed = RevealView(view.post, view.question, Tally({}, 1, 0))
            verdict = f"You answered: _{blocks.escape(text)}_\nCompare it with the model answer."
            await AsyncRespond(response_url=modal.response_url)(
                text=blocks.reveal_text(revealed),
                blocks=blocks.reveal_blocks(revealed, verdict=verdict),
                replace_original=True,
            )
            return
        await self.ephemeral(view.post.channel_id, caller.member.id, replies.answer_ack(view, None))

    async def grade(self, body: Payload) -> None:
        """The self-grade buttons ("I got it" / "I missed it") after an open question's reveal."""
        caller = Caller.of_interaction(body)
        post_id, got = actions.parse_grade(str(body["actions"][0]["action_id"]))
        await self.service.self_grade(post_id, caller.member, correct=got, guild_id=caller.team_id)
        post = await self.service.post(post_id)
        verdict = "you got it" if got else "you missed it"
        await self.ephemeral(post.channel_id, caller.member.id, f"Thanks, recorded: {verdict}.")
