"""The bolt AsyncApp: every listener acks first, then calls the engine; errors end up here."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import actions, community, learning_actions, replies
from bot.adapters.slack_app.listeners import Caller, Payload, QuizListeners, is_ephemeral
from bot.community_scheduling import CommunityTicker
from bot.core.admin import GuildAdmin
from bot.core.community import Community
from bot.core.errors import QuizError
from bot.core.reloading import Reload
from bot.core.service import QuizService
from bot.scheduling import QuizScheduler

log = logging.getLogger(__name__)

Reply = Callable[[str], Awaitable[object]]
CommandHandler = Callable[[Payload, AsyncRespond], Awaitable[None]]

COMMANDS = ("/quiz", "/quiz-leaderboard", "/quiz-stats", "/quiz-admin")


class InFlight:
    """The listener runs still going after their ack, so a shutdown can let them finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    @contextmanager
    def track(self) -> Iterator[None]:
        """Count the current task as in flight while the block runs."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def drain(self) -> None:
        """Wait until every tracked listener has finished."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))


async def guarded(what: str, work: Callable[[], Awaitable[None]], reply: Reply) -> None:
    """Run a listener's work; a QuizError is told to the member, anything else is logged."""
    try:
        await work()
    except QuizError as exc:
        await _tell(what, reply, replies.error_text(exc))
    except Exception:
        log.exception("slack %s failed", what)
        await _tell(what, reply, replies.APOLOGY)


async def _tell(what: str, reply: Reply, text: str) -> None:
    try:
        await reply(text)
    except Exception:
        log.exception("slack %s: could not send the reply", what)


@dataclass
class SlackQuizApp:
    """The bolt app with its listeners; `drain()` waits for work started by requests."""

    app: AsyncApp
    listeners: QuizListeners
    inflight: InFlight = field(default_factory=InFlight)
    # The community features' tick, when they are wired in (see build_app's `community`).
    ticker: CommunityTicker | None = None

    async def drain(self) -> None:
        """Wait for every listener that was acknowledged but has not finished."""
        await self.inflight.drain()


def silence_token_warning() -> None:
    """Drop bolt's one spurious warning: it reads SLACK_BOT_TOKEN from the environment itself
    and then warns that the client we pass (built from that same token) takes precedence."""
    unused = warning_client_prioritized_and_token_skipped()
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    if not any(getattr(f, "message", None) == unused for f in bolt_log.filters):
        bolt_log.addFilter(_DropMessage(unused))


@dataclass(frozen=True)
class _DropMessage(logging.Filter):
    message: str

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


def build_app(
    service: QuizService,
    admin: GuildAdmin,
    scheduler: QuizScheduler,
    *,
    signing_secret: str,
    client: AsyncWebClient | None = None,
    token: str | None = None,
    features: Community | None = None,
    reload: Reload | None = None,
) -> SlackQuizApp:
    """The AsyncApp with the four slash commands, the buttons and the answer modal.

    With `features`, `/quiz suggest`, the community `/quiz-admin` actions, the review buttons
    and the suggestion modal are served too, and `ticker` drives recaps. `reload` re-reads
    the packs behind the service's bank (`/quiz-admin reload`, for workspace owners).
    """
    if client is None:
        client = AsyncWebClient(token=token)
    silence_token_warning()
    app = AsyncApp(client=client, signing_secret=signing_secret, name="quizbot")
    listeners = QuizListeners(service, admin, scheduler, client, reload)
    bot = SlackQuizApp(app, listeners)
    track = bot.inflight.track

    def command_listener(name: str, handler: CommandHandler) -> None:
        async def listener(ack: AsyncAck, command: Payload, respond: AsyncRespond) -> None:
            with track():
                await ack()

                async def reply(text: str) -> None:
                    await respond(text=text, response_type="ephemeral")

                await guarded(name, lambda: handler(command, respond), reply)

        app.command(name)(listener)

    def action_reply(body: Payload, respond: AsyncRespond) -> Reply:
        channel = (body.get("channel") or {}).get("id")
        user = str(body["user"]["id"])
        if channel is None or is_ephemeral(body):
            # The bot may not be in the channel of a private practice question.
            async def via_url(text: str) -> None:
                await respond(text=text, response_type="ephemeral", replace_original=False)

            return via_url

        async def via_api(text: str) -> None:
            await listeners.ephemeral(channel, user, text)

        return via_api

    async def on_choice(ack: AsyncAck, body: Payload, respond: AsyncRespond) -> None:
        with track():
            await ack()
            reply = action_reply(body, respond)
            await guarded("answer", lambda: listeners.choose(body, respond), reply)

    async def on_open(ack: AsyncAck, body: Payload, respond: AsyncRespond) -> None:
        with track():
            await ack()
            reply = action_reply(body, respond)
            await guarded("answer form", lambda: listeners.open_answer(body), reply)

    async def on_grade(ack: AsyncAck, body: Payload, respond: AsyncRespond) -> None:
        with track():
            await ack()
            reply = action_reply(body, respond)
            await guarded("self-grade", lambda: listeners.grade(body), reply)

    async def on_submit(ack: AsyncAck, body: Payload) -> None:
        with track():
            await ack()
            await guarded("answer", lambda: listeners.submit_answer(body), modal_reply(body))

    def modal_reply(body: Payload) -> Reply:
        user = str(body["user"]["id"])

        async def reply(text: str) -> None:
            modal = actions.ModalContext.load(str(body["view"].get("private_metadata") or ""))
            if modal.response_url:
                await AsyncRespond(response_url=modal.response_url)(
                    text=text, response_type="ephemeral", replace_original=False
                )
            else:
                await listeners.ephemeral(modal.channel_id, user, text)

        return reply

    async def on_why(ack: AsyncAck, body: Payload, respond: AsyncRespond) -> None:
        with track():
            await ack()
            reply = action_reply(body, respond)
            caller = Caller.of_interaction(body)
            action_id = str(body["actions"][0]["action_id"])

            async def work() -> None:
                await reply(await listeners.learning.why(caller.member, action_id))

            await guarded("why", work, reply)

    async def on_forget(ack: AsyncAck, body: Payload, respond: AsyncRespond) -> None:
        with track():
            await ack()
            reply = action_reply(body, respond)
            caller = Caller.of_interaction(body)
            action_id = str(body["actions"][0]["action_id"])
            await guarded(
                "forget",
                lambda: listeners.learning.forget(
                    caller.team_id, caller.member, action_id, respond
                ),
                reply,
            )

    # bolt tries its listeners in this order on every request, each match costing a call
    # with its arguments built: the answer buttons, which come in bursts, go first.
    app.action(actions.CHOICE)(on_choice)
    app.action(actions.OPEN)(on_open)
    app.action(actions.GRADE)(on_grade)
    app.view(actions.MODAL_CALLBACK)(on_submit)
    app.action(re.compile(rf"^{learning_actions.WHY_ACTION}:\d+$"))(on_why)
    app.action(re.compile(rf"^{learning_actions.FORGET_ACTION}:[A-Z0-9]+$"))(on_forget)
    scheduler.schedule_reminders(listeners.learning.reviews)
    quiz_handler: CommandHandler = listeners.quiz
    admin_handler: CommandHandler = listeners.admin_command
    if features is not None:
        extra = community.SlackCommunity(features, listeners)
        quiz_handler, admin_handler = extra.quiz(quiz_handler), extra.admin(admin_handler)
        community.install(app, extra, track=track, guarded=guarded)
        bot.ticker = CommunityTicker(features, scheduler.scheduler)
    command_listener("/quiz", quiz_handler)
    command_listener("/quiz-leaderboard", listeners.leaderboard)
    command_listener("/quiz-stats", listeners.stats)
    command_listener("/quiz-admin", admin_handler)
    return bot
