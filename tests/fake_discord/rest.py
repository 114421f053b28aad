"""REST routes under /api/v10 that discord.py calls, backed by ``FakeState``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from .guild_routes import GuildRoutes
from .interactions import FakeInteraction
from .models import (
    ADMINISTRATOR,
    JSON,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    FakeChannel,
    FakeGuild,
    RecordedRequest,
    StoredMessage,
)
from .responses import InteractionResponses
from .state import FakeState, Upload, missing_permissions, unknown_channel
from .validation import PayloadError

API_PREFIX = "/api/v10"
"""Path prefix of the REST API (discord.py's ``Route.BASE`` path)."""

Reply = tuple[int, Any]
Handler = Callable[[web.Request, Any, list[Upload]], Awaitable[Reply]]


RequestMatch = Callable[[str, str], bool]
"""A test's condition on a request: (method, path without the /api/v10 prefix)."""


@dataclass
class Hold:
    """Requests that Discord performs but answers only once the test releases them."""

    matches: RequestMatch
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        """Let every held (and every later matching) request answer."""
        self.released.set()


@dataclass
class Loss:
    """The next ``count`` matching requests are performed, but their answer is a 503."""

    matches: RequestMatch
    count: int = 1


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Return a JSON response whose Content-Type is exactly ``application/json``."""
    if status == 204:
        return web.Response(status=204)
    body = json.dumps(data).encode()
    return web.Response(
        body=body, status=status, headers={**(headers or {}), "Content-Type": "application/json"}
    )


async def read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """Parse a JSON or multipart (``payload_json`` + ``files[n]``) request body."""
    if request.content_type.startswith("multipart/"):
        payload: Any = {}
        uploads: list[Upload] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            if name == "payload_json":
                payload = json.loads(await part.text())
            elif name.startswith("files["):
                index = int(name[len("files[") : -1])
                content_type = part.headers.get("Content-Type", "application/octet-stream")
                data = bytes(await part.read())
                uploads.append(Upload(index, part.filename or f"file{index}", data, content_type))
        return payload, uploads
    raw = await request.read()
    if not raw:
        return None, []
    return json.loads(raw), []


def snowflake_arg(request: web.Request, name: str) -> int:
    """Return a numeric path parameter, or raise 404 for garbage ids."""
    try:
        return int(request.match_info[name])
    except ValueError:
        raise PayloadError(404, 0, f"404: Not Found ({name})") from None


class RestApi:
    """Registers all routes on an aiohttp app and records every request."""

    def __init__(
        self, state: FakeState, gateway_url: Callable[[], str], token: str | None = None
    ) -> None:
        self.state = state
        self.token = token
        self.responses = InteractionResponses(state)
        self.gateway_url = gateway_url
        self.reactions: dict[int, list[str]] = {}
        self.typing: list[int] = []
        self.holds: list[Hold] = []
        self.losses: list[Loss] = []
        self.guild_routes = GuildRoutes(state)

    def install(self, app: web.Application) -> None:
        """Add the routes (and the recording catch-all) to ``app``."""
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/users/@me", self.get_me),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/applications/{app_id}/commands", self.get_commands),
            ("PUT", "/applications/{app_id}/commands", self.put_commands),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self.get_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self.put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.callback),
            ("POST", "/webhooks/{app_id}/{token}", self.create_followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self.get_webhook_msg),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self.edit_webhook_msg),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self.del_webhook_msg),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("POST", "/channels/{channel_id}/typing", self.typing_indicator),
            (
                "PUT",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self.add_reaction,
            ),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.get_guild_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            *self.guild_routes.routes(),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, API_PREFIX + path, self._wrap(handler))
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.attachment)
        app.router.add_route("*", "/{tail:.*}", self._unknown)

    async def attachment(self, request: web.Request) -> web.Response:
        """Serve an uploaded file at the attachment URL given to the bot."""
        data = self.state.attachment_data.get(snowflake_arg(request, "attachment_id"))
        if data is None:
            return await self._unknown(request)
        self._record(request, None, 200)
        return web.Response(body=data, content_type="application/octet-stream")

    def _wrap(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            body, uploads = await read_body(request)
            headers: dict[str, str] = {}
            try:
                self._check_auth(request)
                status, data = await handler(request, body, uploads)
            except PayloadError as exc:
                status, data, headers = exc.status, exc.to_body(), exc.headers
            except Exception as exc:
                # A bug in the fake: answer 400 (discord.py retries 5xx with sleeps) and keep it.
                self.state.internal_errors.append(exc)
                status, data = 400, {"code": 0, "message": f"fake discord crashed: {exc!r}"}
            if status < 300:
                status, data = await self._after_success(request, status, data)
            self._record(request, body, status, data)
            return json_response(data, status, headers)

        return endpoint

    async def _after_success(self, request: web.Request, status: int, data: Any) -> Reply:
        """Held and lost answers: the work is done, but the bot hears late or never."""
        method, path = request.method, request.path.removeprefix(API_PREFIX)
        for hold in self.holds:
            if hold.matches(method, path):
                hold.arrived.set()
                await hold.released.wait()
        for loss in self.losses:
            if loss.count > 0 and loss.matches(method, path):
                loss.count -= 1
                return 503, {"code": 0, "message": "Service Unavailable"}
        return status, data

    def _check_auth(self, request: web.Request) -> None:
        auth = request.headers.get("Authorization")
        if auth is not None and self.token is not None and auth != f"Bot {self.token}":
            raise PayloadError(401, 0, "401: Unauthorized")

    def _record(
        self, request: web.Request, body: Any, status: int, response: Any = None
    ) -> RecordedRequest:
        path = request.path.removeprefix(API_PREFIX)
        record = RecordedRequest(request.method, path, dict(request.query), body, status, response)
        self.state.requests.append(record)
        return record

    async def _unknown(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        record = self._record(request, body, 404)
        self.state.unknown_routes.append(record)
        return json_response({"code": 0, "message": f"404: Not Found (fake: {record})"}, 404)

    # ------------------------------------------------------------- identity

    async def get_gateway(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET /gateway."""
        return 200, {"url": self.gateway_url()}

    async def get_gateway_bot(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """GET /gateway/bot (used by AutoShardedClient)."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url(), "shards": 1, "session_start_limit": limit}

    async def get_me(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET /users/@me (static_login)."""
        data = self.state.bot_user.to_payload()
        data.update(verified=True, mfa_enabled=False, flags=0, locale="en-US", email=None)
        return 200, data

    async def get_user(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET /users/{id}."""
        user = self.state.users.get(snowflake_arg(request, "user_id"))
        if user is None:
            raise PayloadError(404, 10013, "Unknown User")
        return 200, user.to_payload()

    async def create_dm(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """POST /users/@me/channels."""
        user = self.state.users.get(int(body["recipient_id"]))
        if user is None:
            raise PayloadError(400, 50007, "Cannot send messages to this user")
        return 200, self.state.open_dm(user).to_payload()

    async def get_application(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """GET /oauth2/applications/@me (called by Client.login and Client.application_info)."""
        owner = self.state.application_owner.to_payload()
        team: JSON | None = None
        if self.state.application_team is not None:
            team_owner, members = self.state.application_team
            team_id = str(self.state.application_id + 1)
            team = {
                "id": team_id,
                "name": "Fake Team",
                "icon": None,
                "owner_user_id": str(team_owner.id),
                "members": [
                    {
                        "membership_state": 2,
                        "team_id": team_id,
                        "user": member.to_payload(),
                        "role": role,
                        "permissions": ["*"],
                    }
                    for member, role in members
                ],
            }
            # A team-owned application's owner is a stand-in user named after the team.
            owner = {
                "id": team_id,
                "username": f"team{team_id}",
                "discriminator": "0000",
                "global_name": None,
                "avatar": None,
                "flags": 1024,
            }
        return 200, {
            "id": str(self.state.application_id),
            "name": self.state.bot_user.username,
            "icon": None,
            "description": "fake application",
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": owner,
            "verify_key": "0" * 64,
            "flags": 0,
            "team": team,
            "interactions_endpoint_url": None,
            "bot": self.state.bot_user.to_payload(),
        }

    # --------------------------------------------------------------- commands

    def _check_app(self, request: web.Request) -> int | None:
        if snowflake_arg(request, "app_id") != self.state.application_id:
            raise PayloadError(403, 50001, "Missing Access")
        if "guild_id" not in request.match_info:
            return None
        guild_id = snowflake_arg(request, "guild_id")
        if guild_id not in self.state.guilds:
            raise PayloadError(403, 50001, "Missing Access")
        return guild_id

    async def get_commands(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET global or guild application commands."""
        guild_id = self._check_app(request)
        if guild_id is None:
            return 200, self.state.global_commands
        return 200, self.state.guild_commands.get(guild_id, [])

    async def put_commands(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """PUT (bulk overwrite) global or guild application commands."""
        guild_id = self._check_app(request)
        if not isinstance(body, list):
            raise PayloadError(400, 50035, "Invalid Form Body", {"_": "Expected a list"})
        names = [(c.get("name"), c.get("type", 1)) for c in body]
        if len(names) != len(set(names)):
            raise PayloadError(400, 50035, "Invalid Form Body", {"_": "Duplicate command names"})
        return 200, self.state.overwrite_commands(guild_id, body)

    # ----------------------------------------------------------- interactions

    async def callback(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """POST /interactions/{id}/{token}/callback."""
        interaction = self.responses.interaction(
            request.match_info["token"], snowflake_arg(request, "interaction_id")
        )
        result = self.responses.callback(interaction, body or {}, uploads)
        if request.query.get("with_response") in ("1", "true", "True"):
            return 200, result
        return 204, None

    async def create_followup(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """POST /webhooks/{app}/{token} (followup message)."""
        interaction = self.responses.webhook_interaction(
            snowflake_arg(request, "app_id"), request.match_info["token"]
        )
        message = self.responses.create_followup(interaction, body or {}, uploads)
        if request.query.get("wait") in ("1", "true", "True"):
            return 200, message.to_payload()
        return 204, None

    def _webhook_message(self, request: web.Request) -> tuple[FakeInteraction, StoredMessage]:
        interaction = self.responses.webhook_interaction(
            snowflake_arg(request, "app_id"), request.match_info["token"]
        )
        raw_id = request.match_info["message_id"]
        if raw_id == "@original":
            return interaction, self.responses.original(interaction)
        return interaction, self.responses.followup_message(
            interaction, snowflake_arg(request, "message_id")
        )

    async def get_webhook_msg(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """GET /webhooks/{app}/{token}/messages/{id|@original}."""
        _, message = self._webhook_message(request)
        return 200, message.to_payload()

    async def edit_webhook_msg(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """PATCH /webhooks/{app}/{token}/messages/{id|@original}."""
        interaction, message = self._webhook_message(request)
        updated = self.responses.edit_webhook_message(interaction, message, body or {}, uploads)
        return 200, updated.to_payload()

    async def del_webhook_msg(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """DELETE /webhooks/{app}/{token}/messages/{id|@original}."""
        interaction, message = self._webhook_message(request)
        self.responses.delete_webhook_message(interaction, message)
        return 204, None

    # --------------------------------------------------------------- channels

    def _channel(self, request: web.Request, *, writing: bool = False) -> FakeChannel:
        channel_id = snowflake_arg(request, "channel_id")
        if self.state.channel_failures.get(channel_id) == 404:
            raise unknown_channel()
        channel = self.state.require_channel(channel_id)
        if writing:
            self.state.check_failure(channel_id)
            guild = self.state.guild_of(channel_id)
            if guild is not None:
                perms = guild.everyone_permissions | guild.bot_permissions
                needed = VIEW_CHANNEL | SEND_MESSAGES
                if not perms & ADMINISTRATOR and perms & needed != needed:
                    raise missing_permissions()
        return channel

    async def get_channel(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET /channels/{id}."""
        return 200, self._channel(request).to_payload()

    async def list_messages(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET /channels/{id}/messages (newest first; before/after/limit)."""
        channel = self._channel(request)
        messages = self.state.channel_messages(channel.id, include_ephemeral=False)
        if "before" in request.query:
            messages = [m for m in messages if m.id < int(request.query["before"])]
        if "after" in request.query:
            messages = [m for m in messages if m.id > int(request.query["after"])]
        limit = int(request.query.get("limit", 50))
        newest_first = sorted(messages, key=lambda m: m.id, reverse=True)
        if "after" in request.query:
            newest_first = newest_first[-limit:]
        return 200, [m.to_payload() for m in newest_first[:limit]]

    async def create_message(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """POST /channels/{id}/messages (honours injected failures)."""
        channel = self._channel(request, writing=True)
        message = self.state.create_message(
            channel.id, self.state.bot_user, body or {}, uploads, via="channel"
        )
        return 200, message.to_payload()

    async def get_message(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET /channels/{id}/messages/{id}."""
        channel = self._channel(request)
        message = self.state.live_message(channel.id, snowflake_arg(request, "message_id"))
        return 200, message.to_payload()

    async def edit_message(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """PATCH /channels/{id}/messages/{id} (honours injected failures)."""
        channel = self._channel(request, writing=True)
        message = self.state.live_message(channel.id, snowflake_arg(request, "message_id"))
        if message.author.id != self.state.bot_user.id:
            raise PayloadError(403, 50005, "Cannot edit a message authored by another user")
        updated = self.state.edit_message(message, body or {}, uploads, via="channel")
        return 200, updated.to_payload()

    async def delete_message(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """DELETE /channels/{id}/messages/{id} (honours injected failures)."""
        channel = self._channel(request, writing=True)
        message = self.state.live_message(channel.id, snowflake_arg(request, "message_id"))
        self.state.delete_message(message, via="channel")
        return 204, None

    async def typing_indicator(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """POST /channels/{id}/typing."""
        self.typing.append(self._channel(request, writing=True).id)
        return 204, None

    async def add_reaction(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me (recorded, not rendered)."""
        channel = self._channel(request)
        self.state.check_failure(channel.id)
        message = self.state.live_message(channel.id, snowflake_arg(request, "message_id"))
        self.reactions.setdefault(message.id, []).append(request.match_info["emoji"])
        return 204, None

    # ----------------------------------------------------------------- guilds

    def _guild(self, request: web.Request) -> FakeGuild:
        guild = self.state.guilds.get(snowflake_arg(request, "guild_id"))
        if guild is None:
            raise PayloadError(404, 10004, "Unknown Guild")
        return guild

    async def get_guild(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET /guilds/{id}."""
        guild = self._guild(request)
        data: JSON = guild.to_payload()
        if request.query.get("with_counts") in ("1", "true"):
            data.update(approximate_member_count=len(guild.members) + 1)
            data.update(approximate_presence_count=0)
        return 200, data

    async def get_guild_channels(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """GET /guilds/{id}/channels."""
        return 200, [c.to_payload() for c in self._guild(request).channels]

    async def get_guild_roles(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """GET /guilds/{id}/roles."""
        return 200, [r.to_payload() for r in self._guild(request).all_roles()]

    async def get_member(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """GET /guilds/{id}/members/{user_id}."""
        guild = self._guild(request)
        member = guild.get_member(snowflake_arg(request, "user_id"))
        if member is None:
            raise PayloadError(404, 10007, "Unknown Member")
        return 200, member.to_payload()
