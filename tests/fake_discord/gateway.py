"""The fake gateway: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME and dispatches.

Shards: a connection that IDENTIFYs with `shard: [id, count]` is told about, and sent the
events of, only the guilds with `(guild_id >> 22) % count == id`; events without a guild
(DMs) go to shard 0, as on Discord. Several connections, from one process or many, may be
open at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .models import JSON
from .state import FakeState
from .waiting import EventLog

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
"""GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT."""


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries a guild's events (Discord's formula)."""
    return (guild_id >> 22) % shard_count


def shard_owns(shard: tuple[int, int] | None, guild_id: int | None) -> bool:
    """Whether a connection identified as `shard` (None: unsharded) gets this guild's events."""
    if shard is None:
        return True
    if guild_id is None:
        return shard[0] == 0
    return shard_of(guild_id, shard[1]) == shard[0]


# Events whose payload is the guild itself: its "id" is the guild's.
_GUILD_OBJECT_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})


def _guild_of(event: str, data: JSON) -> int | None:
    if not isinstance(data, dict):
        return None
    raw = data.get("id") if event in _GUILD_OBJECT_EVENTS else data.get("guild_id")
    return int(raw) if raw is not None else None


@dataclass(frozen=True)
class GatewayConnection:
    """What a client asked for when it opened the websocket (query string, compression)."""

    query: dict[str, str]
    compression: str | None


@dataclass(frozen=True)
class GatewayLogin:
    """An IDENTIFY or successful RESUME the fake answered."""

    kind: str
    session_id: str
    intents: int
    shard: tuple[int, int] | None = None


@dataclass(eq=False)
class GatewaySession:
    """One websocket connection; outgoing payloads go through an ordered queue."""

    ws: web.WebSocketResponse
    compression: str | None
    session_id: str | None = None
    seq: int = 0
    intents: int = 0
    token: str | None = None
    shard: tuple[int, int] | None = None
    received: list[JSON] = field(default_factory=list)
    dispatched: list[tuple[str, JSON]] = field(default_factory=list)
    _queue: asyncio.Queue[JSON | None] = field(default_factory=asyncio.Queue)
    _compressor: Any = None

    def __post_init__(self) -> None:
        if self.compression == "zlib-stream":
            self._compressor = zlib.compressobj()

    @property
    def identified(self) -> bool:
        """Whether READY/RESUMED has been sent on this connection."""
        return self.session_id is not None and not self.ws.closed

    def send_op(self, op: int, data: Any) -> None:
        """Queue a non-dispatch opcode."""
        self._queue.put_nowait({"op": op, "d": data, "s": None, "t": None})

    def dispatch(self, event: str, data: JSON) -> None:
        """Queue a DISPATCH event; its sequence number is assigned when sent."""
        self.dispatched.append((event, data))
        self._queue.put_nowait({"op": OP_DISPATCH, "d": data, "t": event})

    def stop_writer(self) -> None:
        """Ask the writer to finish after what is already queued."""
        self._queue.put_nowait(None)

    async def run_writer(self) -> None:
        """Send queued payloads in order until told to stop or the socket closes."""
        while (payload := await self._queue.get()) is not None:
            if payload["op"] == OP_DISPATCH:
                self.seq += 1
                payload["s"] = self.seq
            if self.ws.closed:
                continue
            text = json.dumps(payload, separators=(",", ":"))
            try:
                if self._compressor is not None:
                    chunk = self._compressor.compress(text.encode())
                    chunk += self._compressor.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(chunk)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                continue


class Gateway:
    """Accepts bot websockets and routes dispatches to the current session."""

    def __init__(
        self,
        state: FakeState,
        *,
        heartbeat_interval_ms: int = 41_250,
        compression: bool = True,
        token: str | None = None,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
    ) -> None:
        self.state = state
        self.url = ""
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compression = compression
        self.token = token
        self.allowed_privileged_intents = allowed_privileged_intents
        self.connections: list[GatewayConnection] = []
        self.logins: EventLog[GatewayLogin] = EventLog("gateway logins", state.hub)
        self.heartbeats = 0
        self.presence_updates: list[JSON] = []
        self.current: GatewaySession | None = None
        self._live: list[GatewaySession] = []
        self._sessions: dict[str, tuple[str | None, int, int, tuple[int, int] | None]] = {}
        self._backlog: list[tuple[str, JSON]] = []
        self._open: set[GatewaySession] = set()
        self._intents = 0

    # The Dispatcher protocol used by FakeState.
    @property
    def intents(self) -> int:
        """Intents of the most recent login (0 before any)."""
        return self._intents

    def dispatch(self, event: str, data: JSON) -> None:
        """Send to the newest session whose shard owns the event's guild, or keep the event
        for replay when that shard RESUMEs."""
        guild_id = _guild_of(event, data)
        for session in reversed(self._live):
            if session.identified and shard_owns(session.shard, guild_id):
                session.dispatch(event, data)
                return
        self._backlog.append((event, data))

    def sessions(self) -> list[GatewaySession]:
        """The open, identified connections (one per shard and process)."""
        return [session for session in self._live if session.identified]

    def _take_backlog(self, shard: tuple[int, int] | None) -> list[tuple[str, JSON]]:
        mine = [(e, d) for e, d in self._backlog if shard_owns(shard, _guild_of(e, d))]
        self._backlog = [(e, d) for e, d in self._backlog if not shard_owns(shard, _guild_of(e, d))]
        return mine

    def request_reconnect(self) -> None:
        """Send opcode 7 RECONNECT; discord.py then reconnects and RESUMEs."""
        if self.current is None:
            raise RuntimeError("no gateway session to reconnect")
        self.current.send_op(OP_RECONNECT, None)

    async def close_all(self) -> None:
        """Close every open websocket (used when the fake stops)."""
        for session in list(self._open):
            with contextlib.suppress(Exception):
                await session.ws.close(code=1001, message=b"fake discord stopping")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for the gateway websocket."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        requested = request.query.get("compress")
        compression = requested if self.compression and requested == "zlib-stream" else None
        self.connections.append(GatewayConnection(dict(request.query), compression))
        session = GatewaySession(ws=ws, compression=compression)
        self._open.add(session)
        writer = asyncio.create_task(session.run_writer(), name="fake-discord-gateway-writer")
        session.send_op(OP_HELLO, {"heartbeat_interval": self.heartbeat_interval_ms})
        try:
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    payload = json.loads(msg.data)
                    session.received.append(payload)
                    try:
                        await self._on_payload(session, payload)
                    except Exception as exc:  # a bug in the fake; surfaced by FakeDiscord
                        self.state.internal_errors.append(exc)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self._open.discard(session)
            session.stop_writer()
            await writer
            if session.session_id is not None:
                self._sessions[session.session_id] = (
                    session.token,
                    session.seq,
                    session.intents,
                    session.shard,
                )
            if session in self._live:
                self._live.remove(session)
        return ws

    async def _on_payload(self, session: GatewaySession, payload: JSON) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            session.send_op(OP_HEARTBEAT_ACK, None)
        elif op == OP_IDENTIFY:
            await self._identify(session, data or {})
        elif op == OP_RESUME:
            self._resume(session, data or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            self._members_chunk(session, data or {})
        elif op == OP_PRESENCE_UPDATE:
            self.presence_updates.append(data or {})

    async def _identify(self, session: GatewaySession, data: JSON) -> None:
        token = str(data.get("token", ""))
        if not token or (self.token is not None and token != self.token):
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await session.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard_data = data.get("shard")
        shard = (int(shard_data[0]), int(shard_data[1])) if shard_data else None
        session.session_id = secrets.token_hex(16)
        session.token, session.intents, session.shard = token, intents, shard
        self._intents = intents
        self._take_backlog(shard)  # a new session starts afresh: nothing old is replayed
        self.current = session
        self._live.append(session)
        guilds = [g for g in self.state.guilds.values() if shard_owns(shard, g.id)]
        ready: JSON = {
            "v": 10,
            "user": self.state.bot_user.to_payload(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "application": {"id": str(self.state.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "_trace": ["fake-discord"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        session.dispatch("READY", ready)
        for guild in guilds:
            session.dispatch("GUILD_CREATE", guild.to_payload(self.state.bot_user))
        self.logins.append(GatewayLogin("identify", session.session_id, intents, shard))

    def _resume(self, session: GatewaySession, data: JSON) -> None:
        session_id = str(data.get("session_id", ""))
        known = self._sessions.get(session_id)
        if known is None or known[0] != data.get("token"):
            session.send_op(OP_INVALID_SESSION, False)
            return
        session.token, session.seq, session.intents, session.shard = known
        session.session_id = session_id
        self.current = session
        self._live.append(session)
        for event, payload in self._take_backlog(session.shard):
            session.dispatch(event, payload)
        session.dispatch("RESUMED", {"_trace": ["fake-discord"]})
        self.logins.append(GatewayLogin("resume", session_id, session.intents, session.shard))

    def _members_chunk(self, session: GatewaySession, data: JSON) -> None:
        guild_ids = data.get("guild_id")
        ids: list[Any] = guild_ids if isinstance(guild_ids, list) else [guild_ids]
        for raw_id in ids:
            guild = self.state.guilds.get(int(raw_id))
            if guild is None:
                continue
            members = guild.to_payload(self.state.bot_user)["members"]
            wanted = data.get("user_ids")
            if wanted:
                wanted_ids = {str(u) for u in (wanted if isinstance(wanted, list) else [wanted])}
                members = [m for m in members if m["user"]["id"] in wanted_ids]
            chunk: JSON = {
                "guild_id": str(guild.id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
