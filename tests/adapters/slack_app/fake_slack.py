"""A fake Slack on 127.0.0.1: the Web API methods the adapter calls, and response URLs."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-1-fake-app-token"
TEAM = "T0TEAM"
BOT_USER = "U0QUIZBOT"

Json = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the fake received: a Web API method (or `respond:KEY`) and its arguments."""

    method: str
    args: Json


# Errors Slack answers with an HTTP status of their own rather than 200 + ok:false.
HTTP_ERRORS = {"ratelimited": 429, "service_unavailable": 503, "fatal_error": 500}


@dataclass
class Hold:
    """Calls of a method that Slack performs but answers only once the test releases them."""

    method: str
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        """Let the held calls (and every later one) answer."""
        self.released.set()


class FakeSlack:
    """Records calls, keeps posted messages, and fails channels on demand."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.admins: set[str] = set()
        self.owners: set[str] = set()
        self.primary_owners: set[str] = set()
        # channel id -> the error Slack answers for it (channel_not_found, not_in_channel...,
        # or ratelimited / service_unavailable, answered with HTTP 429 / 503)
        self.failing: dict[str, str] = {}
        # conversations.info: channels the bot is not a member of, and private ones.
        self.outside: set[str] = set()
        self.private: set[str] = set()
        # users.info: members whose home workspace is another one (Enterprise Grid).
        self.home_team: dict[str, str] = {}
        # auth.test: the bot's workspace name, as its members see it.
        self.team_name = "Fake Team"
        self.retry_after = 30
        # method -> how many of its next calls are performed but answered 503
        self.losses: dict[str, int] = {}
        # method -> the error every call of it gets (missing_scope, ...)
        self.method_errors: dict[str, str] = {}
        self.holds: list[Hold] = []
        self.messages: dict[tuple[str, str], Json] = {}
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        # Socket Mode: the app's one WebSocket, and the acks awaited per envelope id.
        self.socket: web.WebSocketResponse | None = None
        self.socket_connected = asyncio.Event()
        self._acks: dict[str, asyncio.Future[Json]] = {}

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.add_routes(
            [
                web.route("*", "/api/{method}", self._api),
                web.post("/respond/{key}", self._respond),
                web.get("/socket", self._socket),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The base_url for AsyncWebClient."""
        return f"{self.url}/api/"

    def response_url(self, key: str) -> str:
        """A response_url whose posts are recorded as `respond:KEY`."""
        return f"{self.url}/respond/{key}"

    # -- what the tests read ------------------------------------------------------

    def calls_to(self, method: str) -> list[Json]:
        """The arguments of every call of one method, in order."""
        return [call.args for call in self.calls if call.method == method]

    def responses(self, key: str) -> list[Json]:
        """What was posted to one response URL."""
        return self.calls_to(f"respond:{key}")

    def ephemerals(self, user: str) -> list[str]:
        """Texts of chat.postEphemeral calls to one member."""
        return [
            args["text"] for args in self.calls_to("chat.postEphemeral") if args["user"] == user
        ]

    def message(self, channel: str, ts: str) -> Json:
        """A message as it stands now (after any chat.update)."""
        return self.messages[(channel, ts)]

    def channel_messages(self, channel: str) -> list[Json]:
        """Every message in a channel, oldest first."""
        return [m for (ch, _), m in self.messages.items() if ch == channel]

    def lose_next(self, method: str, count: int = 1) -> None:
        """Perform the next `count` calls of `method` but answer 503, as if the answer was
        lost (or the app died before reading it)."""
        self.losses[method] = count

    def hold(self, method: str) -> Hold:
        """Perform calls of `method` but answer only after `release()`."""
        hold = Hold(method)
        self.holds.append(hold)
        return hold

    async def socket_send(self, envelope_type: str, payload: Json) -> Json:
        """Send one Socket Mode envelope and return the app's ack for it."""
        assert self.socket is not None
        envelope_id = f"env-{next(self._ts)}"
        acked = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = acked
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "accepts_response_payload": True,
                "payload": payload,
            }
        )
        return await asyncio.wait_for(acked, timeout=10)

    # -- the handlers ---------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.socket_connected.set()
        async for message in socket:
            data = json.loads(message.data)
            acked = self._acks.pop(str(data.get("envelope_id")), None)
            if acked is not None and not acked.done():
                acked.set_result(data)
        return socket

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call(f"respond:{request.match_info['key']}", body))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: Json = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(await request.post())
        token = APP_TOKEN if method == "apps.connections.open" else TOKEN
        if request.headers.get("Authorization") != f"Bearer {token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self.calls.append(Call(method, args))
        handler = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._ephemeral,
            "conversations.history": self._history,
            "views.open": self._views_open,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "chat.getPermalink": self._permalink,
        }.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if method in self.method_errors:
            return web.json_response({"ok": False, "error": self.method_errors[method]})
        body = handler(args)
        status = HTTP_ERRORS.get(str(body.get("error")), 200)
        if status == 429:
            headers = {"Retry-After": str(self.retry_after)}
            return web.json_response(body, status=429, headers=headers)
        if status == 200 and body.get("ok"):
            for hold in self.holds:
                if hold.method == method:
                    hold.arrived.set()
                    await hold.released.wait()
            if self.losses.get(method, 0) > 0:
                self.losses[method] -= 1
                body, status = {"ok": False, "error": "service_unavailable"}, 503
        return web.json_response(body, status=status)

    def _auth_test(self, args: Json) -> Json:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": self.team_name,
            "user": "quizbot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "B0QUIZBOT",
        }

    def _connections_open(self, args: Json) -> Json:
        return {"ok": True, "url": f"ws{self.url.removeprefix('http')}/socket"}

    def _conversations_info(self, args: Json) -> Json:
        channel = str(args["channel"])
        if self.failing.get(channel) == "channel_not_found" or (
            channel in self.private and channel in self.outside
        ):
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": channel not in self.private,
                "is_private": channel in self.private,
                "is_archived": False,
                "is_member": channel not in self.outside,
            },
        }

    def _refused(self, channel: str) -> Json | None:
        error = self.failing.get(channel)
        return {"ok": False, "error": error} if error else None

    def _post_message(self, args: Json) -> Json:
        channel = str(args["channel"])
        refused = self._refused(channel)
        if refused:
            return refused
        ts = f"1790000000.{next(self._ts):06d}"
        message = {"ts": ts, "text": args.get("text"), "blocks": _blocks(args)}
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        metadata = _json_arg(args.get("metadata"))
        if metadata:
            message["metadata"] = metadata
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _history(self, args: Json) -> Json:
        channel = str(args["channel"])
        refused = self._refused(channel)
        if refused:
            return refused
        oldest = float(args.get("oldest") or 0)
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        found = []
        for message in reversed(self.channel_messages(channel)):
            if float(message["ts"]) < oldest:
                continue
            shown = {"type": "message", "bot_id": "B0QUIZBOT", **message}
            if not with_metadata:
                shown.pop("metadata", None)
            found.append(shown)
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _update(self, args: Json) -> Json:
        channel, ts = str(args["channel"]), str(args["ts"])
        refused = self._refused(channel)
        if refused:
            return refused
        if (channel, ts) not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        message = {
            **self.messages[(channel, ts)],
            "text": args.get("text"),
            "blocks": _blocks(args),
        }
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _permalink(self, args: Json) -> Json:
        channel, ts = str(args["channel"]), str(args["message_ts"])
        if (channel, ts) not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://fake.slack.test/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _ephemeral(self, args: Json) -> Json:
        refused = self._refused(str(args["channel"]))
        return refused or {"ok": True, "message_ts": "1790000000.999999"}

    def _views_open(self, args: Json) -> Json:
        view = args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        return {"ok": True, "view": {"id": "V0MODAL", **view}}

    def _users_info(self, args: Json) -> Json:
        user = str(args["user"])
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": self.home_team.get(user, TEAM),
                "name": user.lower(),
                "is_admin": user in self.admins | self.owners | self.primary_owners,
                "is_owner": user in self.owners | self.primary_owners,
                "is_primary_owner": user in self.primary_owners,
            },
        }


def _blocks(args: Json) -> list[Json]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def _json_arg(value: Any) -> Json | None:
    if not value:
        return None
    loaded = json.loads(value) if isinstance(value, str) else value
    return dict(loaded)
