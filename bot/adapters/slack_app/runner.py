"""`quizbot slack`: check the settings, wire store, engine, scheduler and bolt, then serve."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import sys
from collections.abc import Iterator

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app.app import SlackQuizApp, build_app
from bot.adapters.slack_app.community_publisher import SlackCommunityPublisher
from bot.adapters.slack_app.http_server import HttpServer
from bot.adapters.slack_app.publisher import SlackPublisher, error_code
from bot.config import Settings
from bot.core.admin import GuildAdmin
from bot.core.bank import QuestionBank
from bot.core.community import Community
from bot.core.ports import Clock, SystemClock
from bot.core.reloading import Reload
from bot.core.service import QuizService
from bot.ops.heartbeat import heartbeat, heartbeat_anchor
from bot.scheduling import QuizScheduler

log = logging.getLogger(__name__)

PLATFORM = "slack"
_TRY_CONSOLE = "to try the quiz without Slack, run `quizbot console`"


def settings_problem(settings: Settings, *, http: bool) -> str | None:
    """What is missing for the chosen mode, as one line naming where to get it."""
    bot = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    app = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    if not bot.strip():
        return (
            "SLACK_BOT_TOKEN is not set: create a Slack app from slack-manifest.yaml, install it "
            f"and copy its Bot User OAuth Token (xoxb-...); {_TRY_CONSOLE}"
        )
    if not bot.startswith("xoxb-"):
        return (
            f"SLACK_BOT_TOKEN must be the app's bot token, which starts with xoxb-; {_TRY_CONSOLE}"
        )
    if http and not secret.strip():
        return (
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs the app's Signing Secret "
            f"(Basic Information > App Credentials); {_TRY_CONSOLE}"
        )
    if not http and not app.strip():
        return (
            "SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token with "
            "connections:write (Basic Information > App-Level Tokens, xapp-...), or serve HTTP "
            f"with --port; {_TRY_CONSOLE}"
        )
    if not http and not app.startswith("xapp-"):
        return (
            f"SLACK_APP_TOKEN must be an app-level token, which starts with xapp-; {_TRY_CONSOLE}"
        )
    return None


class PortInUse(Exception):
    """The HTTP port cannot be bound; the message says which and what to do."""


def _fail(message: str) -> None:
    print(f"quizbot: {message}", file=sys.stderr)


async def run_slack(
    settings: Settings,
    bank: QuestionBank,
    *,
    http_port: int | None = None,
    http_host: str = "0.0.0.0",
    client: AsyncWebClient | None = None,
    stop: asyncio.Event | None = None,
    ready: asyncio.Event | None = None,
    reload: Reload | None = None,
) -> int:
    """Serve Slack until SIGTERM/SIGINT (or `stop`): Socket Mode, or HTTP with `http_port`.

    Returns 2 when a setting is missing or Slack refuses the token, 1 when Slack cannot be
    reached, 0 after a clean stop. `client` (a Web API client) and the two events exist
    for tests. `reload` re-reads the packs behind `bank` (`/quiz-admin reload`).
    """
    problem = settings_problem(settings, http=http_port is not None)
    if problem is not None:
        _fail(problem)
        return 2
    assert settings.slack_bot_token is not None
    async with contextlib.AsyncExitStack() as resources:
        if client is None:
            # One HTTP session for every Web API call: a new one per call costs a TCP and TLS
            # handshake each time, which a click burst cannot afford.
            session = await resources.enter_async_context(aiohttp.ClientSession())
            client = AsyncWebClient(
                token=settings.slack_bot_token.get_secret_value(),
                session=session,
                retry_handlers=[
                    AsyncConnectionErrorRetryHandler(),
                    AsyncRateLimitErrorRetryHandler(),
                ],
            )
        return await _run(settings, bank, client, http_port, http_host, stop, ready, reload)


async def _run(
    settings: Settings,
    bank: QuestionBank,
    client: AsyncWebClient,
    http_port: int | None,
    http_host: str,
    stop: asyncio.Event | None,
    ready: asyncio.Event | None,
    reload: Reload | None,
) -> int:
    try:
        identity = await client.auth_test()
    except SlackApiError as exc:
        _fail(
            f"Slack refused SLACK_BOT_TOKEN ({error_code(exc)}): copy the Bot User OAuth Token "
            f"again from the app's OAuth & Permissions page; {_TRY_CONSOLE}"
        )
        return 2
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        _fail(f"cannot reach Slack ({type(exc).__name__}): check the network and try again")
        return 1
    if http_port is None:
        assert settings.slack_app_token is not None
        try:
            # Socket Mode would retry a refused app token forever; ask once, up front.
            await client.apps_connections_open(
                app_token=settings.slack_app_token.get_secret_value()
            )
        except SlackApiError as exc:
            _fail(
                f"Slack refused SLACK_APP_TOKEN ({error_code(exc)}): create an app-level token "
                "with connections:write under Basic Information > App-Level Tokens; "
                f"{_TRY_CONSOLE}"
            )
            return 2

    # The only place the adapter touches storage: everything else sees the engine's ports.
    from bot.storage.factory import open_store

    store = await open_store(settings.db)
    try:
        service = QuizService(
            bank=bank,
            store=store,
            clock=SystemClock(),
            rng=random.Random(),
            platform=PLATFORM,
            publisher=SlackPublisher(client),
        )
        await _name_workspace(service, identity.get("team_id"), identity.get("team"))
        scheduler = QuizScheduler(service, AsyncIOScheduler())
        admin = GuildAdmin(service)
        secret = settings.slack_signing_secret
        bot = build_app(
            service,
            admin,
            scheduler,
            signing_secret=secret.get_secret_value() if secret else "",
            client=client,
            features=Community(service, SlackCommunityPublisher(client)),
            reload=reload,
        )
        if stop is None:
            stop = asyncio.Event()
            with _stop_on_signals(stop):
                await _serve(
                    bot, scheduler, settings, service.clock, http_port, http_host, stop, ready
                )
        else:
            await _serve(bot, scheduler, settings, service.clock, http_port, http_host, stop, ready)
        log.info("slack: stopped (workspace %s)", identity.get("team"))
    except PortInUse as exc:
        _fail(str(exc))
        return 2
    finally:
        await store.close()
    return 0


async def _name_workspace(service: QuizService, team_id: object, team: object) -> None:
    """Store the bot's workspace name for `quizbot guilds`, once per start.

    auth.test names the workspace the bot token belongs to, as its members see it. The
    `team_domain` of a command is only the URL's subdomain ("acme-corp"), and a member of
    another workspace in a shared channel brings their own: neither is this workspace's name.
    Such other workspaces stay unnamed (a dash) rather than get a guessed name.
    """
    if not isinstance(team_id, str) or not isinstance(team, str):
        return
    try:
        await service.name_guilds({team_id: team})
    except Exception:  # a name is cosmetic: it never keeps the app from serving
        log.warning("slack: could not store the workspace name", exc_info=True)


async def _serve(
    bot: SlackQuizApp,
    scheduler: QuizScheduler,
    settings: Settings,
    clock: Clock,
    http_port: int | None,
    http_host: str,
    stop: asyncio.Event,
    ready: asyncio.Event | None,
) -> None:
    # Guild questions first: the scheduler's catch-up reveals posts that may use them.
    if bot.ticker is not None:
        await bot.ticker.start()
    await scheduler.start()
    socket: AsyncSocketModeHandler | None = None
    server: HttpServer | None = None
    try:
        if http_port is None:
            assert settings.slack_app_token is not None
            socket = AsyncSocketModeHandler(bot.app, settings.slack_app_token.get_secret_value())
            await socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack: connected in Socket Mode")
        else:
            try:
                server = await HttpServer.start(bot.app, host=http_host, port=http_port)
            except OSError as exc:
                raise PortInUse(
                    f"cannot serve HTTP on {http_host}:{http_port} ({exc.strerror or exc}): "
                    "choose another --port or stop what listens there"
                ) from None
            log.info("slack: serving HTTP on %s:%s", http_host, server.port)
        # Connected: catch up on what fell due while the app was down.
        catching_up = asyncio.create_task(scheduler.catch_up(), name="quizbot-catch-up")
        if ready is not None:
            ready.set()
        # The healthcheck reads this beat, written only from here on, while connected;
        # Slack connections reconnect on their own.
        connected = (lambda: _socket_open(socket)) if socket is not None else None
        async with heartbeat(heartbeat_anchor(settings.db), clock, alive=connected):
            await stop.wait()
        await asyncio.gather(catching_up, return_exceptions=True)
    finally:
        # New requests stop first, then acknowledged work finishes, then the jobs stop.
        if socket is not None:
            await socket.close_async()  # type: ignore[no-untyped-call]
        if server is not None:
            await server.close()
        await bot.drain()
        await scheduler.shutdown()
        if bot.ticker is not None:
            await bot.ticker.shutdown()


def _socket_open(handler: AsyncSocketModeHandler) -> bool:
    """Whether the Socket Mode websocket is up right now (the sync half of is_connected)."""
    client = handler.client
    session = client.current_session
    return not client.closed and session is not None and not session.closed


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
