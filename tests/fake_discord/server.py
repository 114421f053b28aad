"""``FakeDiscord``: serves REST + gateway on 127.0.0.1, patches discord.py, runs clients."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from types import TracebackType
from typing import Literal, TypeVar

import discord
import discord.asset
import discord.gateway
import discord.http
import yarl
from aiohttp import web

from .driver import Driver
from .gateway import PRIVILEGED_INTENTS, Gateway, GatewayLogin
from .models import (
    JSON,
    CommandSync,
    FakeChannel,
    FakeGuild,
    FakeUser,
    MessageEvent,
    RecordedRequest,
    StoredMessage,
    make_guild,
    snowflake,
)
from .rest import API_PREFIX, Hold, Loss, RequestMatch, RestApi
from .state import FakeState
from .waiting import DEFAULT_TIMEOUT, ClientError, ErrorCapture, WaitTimeout

ClientT = TypeVar("ClientT", bound=discord.Client)


class FakeDiscord(Driver):
    """A fake Discord (REST + gateway on 127.0.0.1) that a real discord.py client talks to.

    Use ``async with FakeDiscord() as fake:``; while running, discord.py's ``Route.BASE``,
    ``DiscordWebSocket.DEFAULT_GATEWAY`` and ``Asset.BASE`` (CDN) point here and are
    restored on exit, so nothing can reach the real Discord.
    """

    def __init__(
        self,
        *,
        guilds: Sequence[FakeGuild] | None = None,
        bot_name: str = "FakeBot",
        application_id: int | None = None,
        token: str | None = None,
        compression: bool = True,
        heartbeat_interval_ms: int = 41_250,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        require_registered_commands: bool = True,
        fail_on_client_errors: bool = True,
    ) -> None:
        app_id = application_id or snowflake()
        bot_user = FakeUser(id=app_id, username=bot_name, global_name=None, bot=True)
        if guilds is None:
            guilds = [make_guild("Test Guild", channels=("general", "quiz"))]
        self.state = FakeState(bot_user=bot_user, application_id=app_id, guilds=list(guilds))
        self.gateway = Gateway(
            self.state,
            heartbeat_interval_ms=heartbeat_interval_ms,
            compression=compression,
            token=token,
            allowed_privileged_intents=allowed_privileged_intents,
        )
        self.state.dispatcher = self.gateway
        self.rest = RestApi(self.state, lambda: self.gateway.url, token)
        self.require_registered_commands = require_registered_commands
        self.fail_on_client_errors = fail_on_client_errors
        self.state.hub.fail_fast = fail_on_client_errors
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._saved: tuple[str, yarl.URL, str] | None = None

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
        if exc is None and self.state.internal_errors:
            raise AssertionError(f"fake discord crashed: {self.state.internal_errors!r}")

    async def start(self) -> None:
        """Start serving on a free 127.0.0.1 port and point discord.py at it."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord already started")
        app = web.Application()
        app.router.add_get("/", self.gateway.handle)
        self.rest.install(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self.gateway.url = self.gateway_url
        self.state.base_url = self.base_url
        self._saved = (
            discord.http.Route.BASE,
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            discord.asset.Asset.BASE,
        )
        discord.http.Route.BASE = self.api_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        discord.asset.Asset.BASE = self.base_url + "/cdn"

    async def stop(self) -> None:
        """Restore discord.py's URLs, close websockets and stop the server."""
        if self._saved is not None:
            route_base, gateway, asset_base = self._saved
            discord.http.Route.BASE = route_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
            discord.asset.Asset.BASE = asset_base
            self._saved = None
        if self._runner is not None:
            await self.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """The REST base that replaces ``https://discord.com/api/v10``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The websocket URL that replaces ``wss://gateway.discord.gg/``."""
        return f"ws://127.0.0.1:{self._port}/"

    @property
    def bot_user(self) -> FakeUser:
        """The bot's own user (its id is also the application id)."""
        return self.state.bot_user

    @property
    def application_id(self) -> int:
        """The application id the bot gets from /oauth2/applications/@me."""
        return self.state.application_id

    @property
    def guilds(self) -> list[FakeGuild]:
        """The configured guilds."""
        return list(self.state.guilds.values())

    @property
    def guild(self) -> FakeGuild:
        """The first configured guild (convenient for single-guild tests)."""
        return self.guilds[0]

    def channel(self, name_or_id: str | int, guild_id: int | None = None) -> FakeChannel:
        """Find a configured channel by id or name."""
        for guild in self.guilds:
            if guild_id is not None and guild.id != guild_id:
                continue
            for channel in guild.channels:
                if name_or_id in (channel.id, channel.name):
                    return channel
        raise LookupError(f"no channel {name_or_id!r}")

    # ----------------------------------------------------------- the client

    @contextlib.asynccontextmanager
    async def run_client(
        self,
        client: ClientT,
        *,
        token: str = "fake-token",
        timeout: float = 30.0,
        guild_ready_timeout: float | None = 0.05,
    ) -> AsyncIterator[ClientT]:
        """Start ``client`` against the fake, wait until ready with all guilds, close after.

        ``guild_ready_timeout`` overrides discord.py's wait (default 2 s) for more
        GUILD_CREATEs before ``on_ready``; the fake sends them all right after READY, and
        this method waits for every configured guild anyway. ``None`` keeps the client's.
        On exit the client is closed; if discord.py logged errors (unhandled exceptions in
        the bot) and ``fail_on_client_errors`` is set, ``ClientError`` is raised.
        """
        if guild_ready_timeout is not None:
            client._connection.guild_ready_timeout = guild_ready_timeout
        capture = ErrorCapture(self.state.hub, asyncio.get_running_loop())
        discord_logger = logging.getLogger("discord")
        discord_logger.addHandler(capture)
        try:
            async with client:
                runner = asyncio.create_task(client.start(token), name="fake-discord-client")
                try:
                    await self._wait_ready(client, runner, timeout)
                    yield client
                except BaseException:
                    await self._close_client(client, runner)
                    raise
                error = await self._close_client(client, runner)
                if error is not None:
                    raise error
        finally:
            discord_logger.removeHandler(capture)
        if self.fail_on_client_errors and self.client_errors:
            raise ClientError(
                "discord.py logged errors (clear fake.client_errors if expected):\n"
                + "\n".join(self.client_errors)
            )

    async def _wait_ready(
        self, client: discord.Client, runner: asyncio.Task[None], timeout: float
    ) -> None:
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {runner, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
            await asyncio.gather(ready, return_exceptions=True)
        if runner in done:
            runner.result()
            raise RuntimeError("discord client stopped before becoming ready")
        if ready not in done:
            raise WaitTimeout(f"client not ready after {timeout}s; requests: {self.requests}")
        for guild in self.guilds:
            cached = client.get_guild(guild.id)
            if cached is None or cached.unavailable:
                gid = guild.id
                await client.wait_for(
                    "guild_available", check=lambda g, gid=gid: g.id == gid, timeout=timeout
                )

    @staticmethod
    async def _close_client(
        client: discord.Client, runner: asyncio.Task[None]
    ) -> BaseException | None:
        await client.close()
        (result,) = await asyncio.gather(runner, return_exceptions=True)
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            return result
        return None

    async def reconnect_gateway(self, timeout: float = DEFAULT_TIMEOUT) -> GatewayLogin:
        """Send RECONNECT (op 7) and wait for the client to RESUME (or re-IDENTIFY)."""
        start = len(self.gateway.logins)
        self.gateway.request_reconnect()
        return await self.gateway.logins.wait_for(timeout=timeout, start=start, what="RESUME")

    # ------------------------------------------------------- world building

    def fail_channel(
        self,
        channel_id: int,
        status: Literal[403, 404, 429, 503] = 403,
        *,
        retry_after: float = 60.0,
    ) -> None:
        """Make message create/edit/delete in a channel fail: 403 (50013), 404 (10003),
        429 (rate limited for ``retry_after`` seconds) or 503 (an outage)."""
        self.state.channel_failures[channel_id] = status
        self.state.retry_after[channel_id] = retry_after

    def hold(self, matches: RequestMatch) -> Hold:
        """Perform matching requests but answer them only after ``release()``.

        ``matches(method, path)`` sees the path without the API prefix, e.g.
        ``/channels/1/messages``. ``arrived`` is set once one is being held.
        """
        hold = Hold(matches)
        self.rest.holds.append(hold)
        return hold

    def lose_responses(self, matches: RequestMatch, count: int = 1) -> Loss:
        """Perform the next ``count`` matching requests but answer them with a 503, as if
        the answer was lost on its way (or the bot died before reading it)."""
        loss = Loss(matches, count)
        self.rest.losses.append(loss)
        return loss

    def heal_channel(self, channel_id: int) -> None:
        """Remove an injected channel failure."""
        self.state.channel_failures.pop(channel_id, None)

    def add_guild(self, guild: FakeGuild) -> None:
        """The bot is added to a server: GUILD_CREATE without ``unavailable``, as for a join
        (discord.py then fires ``on_guild_join``)."""
        self.state.guilds[guild.id] = guild
        for member in guild.members:
            self.state.users[member.user.id] = member.user
        payload = guild.to_payload(self.state.bot_user)
        payload.pop("unavailable", None)
        self.gateway.dispatch("GUILD_CREATE", payload)

    def rename_guild(self, guild: FakeGuild, name: str) -> FakeGuild:
        """Rename a server and send GUILD_UPDATE (discord.py fires ``on_guild_update``)."""
        renamed = dataclasses.replace(guild, name=name)
        self.state.guilds[guild.id] = renamed
        self.gateway.dispatch("GUILD_UPDATE", renamed.to_payload())
        return renamed

    def refresh_roles(self, guild: FakeGuild) -> None:
        """Send GUILD_ROLE_UPDATE for every role, as Discord does after a test changed them."""
        for role in guild.all_roles():
            self.gateway.dispatch(
                "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_payload()}
            )

    # ---------------------------------------------------------- inspection

    @property
    def client_errors(self) -> list[str]:
        """ERROR records logged by discord.py (unhandled exceptions in the bot) so far."""
        return self.state.hub.errors

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request made so far."""
        return self.state.requests

    @property
    def unknown_routes(self) -> list[RecordedRequest]:
        """REST requests that hit no fake route (answered 404)."""
        return self.state.unknown_routes

    def assert_no_unknown_routes(self) -> None:
        """Fail if the bot called an endpoint the fake does not implement."""
        assert not self.unknown_routes, "unimplemented routes: " + ", ".join(
            str(r) for r in self.unknown_routes
        )

    def messages(self, channel_id: int, *, include_ephemeral: bool = True) -> list[StoredMessage]:
        """Current (not deleted) messages of a channel, oldest first."""
        return self.state.channel_messages(channel_id, include_ephemeral=include_ephemeral)

    def get_message(self, message_id: int) -> StoredMessage | None:
        """The current state of a message (deleted ones have ``deleted=True``)."""
        return self.state.messages.get(message_id)

    @property
    def message_events(self) -> list[MessageEvent]:
        """Every create/edit/delete, in order, with snapshots."""
        return self.state.message_events.items

    async def wait_for_message(
        self,
        channel_id: int,
        predicate: Callable[[StoredMessage], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        kinds: Iterable[str] = ("create", "edit"),
        since: int = 0,
    ) -> StoredMessage:
        """Wait for a create/edit in ``channel_id`` whose snapshot matches ``predicate``.

        Past events count too (from index ``since`` of ``message_events``), so call
        order does not matter; pass ``since=len(fake.message_events)`` to ignore history.
        """
        wanted = set(kinds)

        def check(event: MessageEvent) -> bool:
            return (
                event.channel_id == channel_id
                and event.kind in wanted
                and (predicate is None or predicate(event.message))
            )

        event = await self.state.message_events.wait_for(
            check, timeout=timeout, start=since, what=f"a message in channel {channel_id}"
        )
        return event.message

    def commands(self, guild_id: int | None = None) -> list[JSON]:
        """The registered global (or guild) application commands."""
        if guild_id is None:
            return self.state.global_commands
        return self.state.guild_commands.get(guild_id, [])

    @property
    def command_syncs(self) -> list[CommandSync]:
        """Every bulk overwrite so far."""
        return self.state.command_syncs.items

    async def wait_for_command_sync(
        self, guild_id: int | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> CommandSync:
        """Wait for a bulk overwrite of global (or one guild's) commands."""
        return await self.state.command_syncs.wait_for(
            lambda s: s.guild_id == guild_id, timeout=timeout, what="a command sync"
        )


__all__ = ["FakeDiscord"]
