"""Slack's side of the community features: `/quiz suggest`, the review buttons, the modal,
and `/quiz-admin suggestions|recap|threads|community`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack_app import commands, replies
from bot.adapters.slack_app.community_blocks import (
    FORM_CALLBACK,
    REVIEW_ACTION,
    FormContext,
    community_status,
    field_errors,
    form_modal,
    read_form,
)
from bot.adapters.slack_app.listeners import Caller, Payload, QuizListeners
from bot.core.community import Community
from bot.core.community_settings import settings_of
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.suggestion_form import SuggestionForm, SuggestionRefused
from bot.core.suggestions import SUGGESTIONS_OFF

CommandHandler = Callable[[Payload, AsyncRespond], Awaitable[None]]
Reply = Callable[[str], Awaitable[object]]
Guarded = Callable[[str, Callable[[], Awaitable[None]], Reply], Awaitable[None]]
Track = Callable[[], AbstractContextManager[None]]

ADMIN_ACTIONS = ("suggestions", "recap", "threads", "rewards", "community")
REVIEWERS_ONLY = "Only workspace admins and owners can review suggestions."
NO_ROLES = "Role rewards are a Discord feature: Slack workspaces have no roles to give."


class SlackCommunity:
    """The community handlers, over the engine's community features and the quiz listeners."""

    def __init__(self, community: Community, listeners: QuizListeners) -> None:
        self.community = community
        self.listeners = listeners

    # -- slash commands ---------------------------------------------------------

    def quiz(self, draw: CommandHandler) -> CommandHandler:
        """`/quiz suggest` opens the form; anything else is a draw, as before."""

        async def handler(command: Payload, respond: AsyncRespond) -> None:
            words = str(command.get("text") or "").split()
            if words[:1] and words[0].lower() == "suggest":
                await self.open_form(command)
                return
            await draw(command, respond)

        return handler

    def admin(self, settings: CommandHandler) -> CommandHandler:
        """`/quiz-admin` community actions here; every other action as before."""

        async def handler(command: Payload, respond: AsyncRespond) -> None:
            words = str(command.get("text") or "").split()
            if not words or words[0].lower() not in ADMIN_ACTIONS:
                await settings(command, respond)
                return
            caller = Caller.of_command(command)
            await self.listeners.require_admin(caller.member.id, caller.team_id)
            headline = await self._admin(caller, words[0].lower(), words[1:])
            status = await self.community.admin.status(caller.team_id)
            await respond(text=community_status(status, headline), response_type="ephemeral")

        return handler

    async def open_form(self, command: Payload) -> None:
        """Show the suggestion modal (only once suggestions are open)."""
        caller = Caller.of_command(command)
        if (await settings_of(self.community.service, caller.team_id)).review_channel_id is None:
            raise NotAllowed(SUGGESTIONS_OFF)
        assert caller.channel_id is not None
        view = form_modal(FormContext(caller.channel_id))
        await self.listeners.client.views_open(trigger_id=command["trigger_id"], view=view)

    async def _admin(self, caller: Caller, action: str, args: list[str]) -> str | None:
        admin, team_id, by = self.community.admin, caller.team_id, caller.member
        if action == "suggestions" and len(args) == 1:
            if args[0].lower() == "off":
                await admin.set_review_channel(team_id, None, by=by)
                return ":white_check_mark: Suggestions are closed."
            channel = commands.parse_channel(args[0])
            refusal = await self.listeners.cannot_post_in(channel)
            if refusal is not None:
                return f"{refusal} Nothing was saved."
            await admin.set_review_channel(team_id, channel, by=by)
            return f":white_check_mark: Suggestions now wait for review in <#{channel}>."
        if action == "recap" and args:
            return await self._recap(caller, args)
        if action == "threads" and len(args) == 1:
            await admin.set_threads(team_id, args[0], by=by)
            return ":white_check_mark: Saved."
        if action == "rewards":
            raise InvalidInput(NO_ROLES)
        if action == "community" and not args:
            return None
        raise InvalidInput(f"Incomplete or extra words for `{action}`.\n{replies.ADMIN_USAGE}")

    async def _recap(self, caller: Caller, args: list[str]) -> str:
        word, admin = args[0].lower(), self.community.admin
        team_id, by = caller.team_id, caller.member
        if word in ("on", "off") and len(args) == 1:
            await admin.set_recap(team_id, on=word, by=by)
        elif word == "day" and len(args) == 2:
            await admin.set_recap(team_id, day=args[1], by=by)
        elif word == "time" and len(args) == 2:
            await admin.set_recap(team_id, time=args[1], by=by)
        else:
            raise InvalidInput("Use `/quiz-admin recap on|off|day mon..sun|time HH:MM`.")
        return ":white_check_mark: Saved."

    # -- the review buttons and the modal ---------------------------------------

    async def review(self, body: Payload) -> None:
        """Approve, Edit or Reject on a review post; admins only, checked on every press."""
        caller = Caller.of_interaction(body)
        match = REVIEW_ACTION.match(str(body["actions"][0]["action_id"]))
        if match is None:
            raise InvalidInput("This button is not one of mine any more.")
        action, suggestion_id = match[1], int(match[2])
        try:
            await self.listeners.require_admin(caller.member.id, caller.team_id)
        except NotAllowed:
            raise NotAllowed(REVIEWERS_ONLY) from None
        suggestions = self.community.suggestions
        if action == "edit":
            found = await suggestions.get(caller.team_id, suggestion_id)
            meta = FormContext(caller.channel_id or "", editing=suggestion_id)
            view = form_modal(meta, SuggestionForm.of(found.question))
            await self.listeners.client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        if action == "ok":
            done = await suggestions.approve(caller.team_id, suggestion_id, caller.member)
            text = (
                f"Approved: suggestion #{suggestion_id} is served here as "
                f"`{done.suggestion.question_id}`."
            )
        else:
            done = await suggestions.reject(caller.team_id, suggestion_id, caller.member)
            text = f"Rejected suggestion #{suggestion_id}."
        if done.problem:
            text += f"\nBut: {done.problem}"
        if caller.channel_id:
            await self.listeners.ephemeral(caller.channel_id, caller.member.id, text)

    async def check_form(self, body: Payload) -> dict[str, str] | None:
        """The modal's field errors, or None when the form is valid (checked before the ack)."""
        caller = Caller.of_interaction(body)
        meta = FormContext.load(str(body["view"].get("private_metadata") or ""))
        form = read_form(body["view"]["state"]["values"])
        editing = None if meta.editing is None else f"suggested-{meta.editing}"
        try:
            self.community.suggestions.check(caller.team_id, form, editing=editing)
        except SuggestionRefused as exc:
            return field_errors(exc.problems)
        return None

    async def save_form(self, body: Payload) -> None:
        """Store the suggestion (or the edit), then tell the member privately."""
        caller = Caller.of_interaction(body)
        meta = FormContext.load(str(body["view"].get("private_metadata") or ""))
        form = read_form(body["view"]["state"]["values"])
        suggestions = self.community.suggestions
        if meta.editing is not None:
            try:
                await self.listeners.require_admin(caller.member.id, caller.team_id)
            except NotAllowed:
                raise NotAllowed(REVIEWERS_ONLY) from None
            done = await suggestions.edit(caller.team_id, meta.editing, caller.member, form)
            text = f"Suggestion #{meta.editing} is updated."
        else:
            done = await suggestions.submit(caller.team_id, caller.member, form)
            number, where = done.suggestion.suggestion_id, done.suggestion.review_channel_id
            text = (
                f"Thanks! Your question is suggestion #{number}; it waits for review in <#{where}>."
            )
        if done.problem:
            text += f"\nBut: {done.problem}"
        await self.listeners.ephemeral(meta.channel_id, caller.member.id, text)


def install(app: AsyncApp, community: SlackCommunity, *, track: Track, guarded: Guarded) -> None:
    """Register the review buttons and the suggestion modal's submission."""

    async def on_review(ack: AsyncAck, body: Payload, respond: AsyncRespond) -> None:
        with track():
            await ack()

            async def reply(text: str) -> None:
                await respond(text=text, response_type="ephemeral", replace_original=False)

            await guarded("review", lambda: community.review(body), reply)

    async def on_form(ack: AsyncAck, body: Payload) -> None:
        with track():
            user = str(body["user"]["id"])
            meta = FormContext.load(str(body["view"].get("private_metadata") or ""))

            async def reply(text: str) -> None:
                await community.listeners.ephemeral(meta.channel_id, user, text)

            # Field problems keep the modal open with each one under its input.
            errors = await community.check_form(body)
            if errors:
                await ack(response_action="errors", errors=errors)
                return
            await ack()
            await guarded("suggestion", lambda: community.save_form(body), reply)

    app.action(REVIEW_ACTION)(on_review)
    app.view(FORM_CALLBACK)(on_form)
