"""The fake's world: guilds, channels, messages, commands and interactions, and how they change."""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from .interactions import APPLICATION_COMMAND, FakeInteraction
from .models import (
    CHANNEL_DM,
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    JSON,
    CommandSync,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    MessageEvent,
    RecordedRequest,
    StoredMessage,
    iso,
    snowflake,
    utcnow,
)
from .validation import PayloadError, validate_message
from .waiting import ErrorHub, EventLog

FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
CREATE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
INTERACTION_FLAGS = CREATE_FLAGS | FLAG_EPHEMERAL
EDIT_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2

INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
NONCE_WINDOW_S = 300.0
"""How long Discord remembers a nonce sent with ``enforce_nonce`` ("a few minutes")."""

Via = Literal["channel", "interaction", "webhook", "user"]


class Dispatcher(Protocol):
    """Something that can send a gateway DISPATCH to the connected bot."""

    def dispatch(self, event: str, data: JSON) -> None:
        """Queue a dispatch event."""

    @property
    def intents(self) -> int:
        """The intents the bot identified with."""


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded with a multipart request."""

    index: int
    filename: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class ModalRecord:
    """A modal the bot opened, and the interaction that opened it."""

    data: JSON
    interaction: FakeInteraction

    @property
    def custom_id(self) -> str:
        """The modal's custom_id."""
        return str(self.data["custom_id"])


def unknown_channel() -> PayloadError:
    """Return the 404 Unknown Channel error (code 10003)."""
    return PayloadError(404, 10003, "Unknown Channel")


def unknown_message() -> PayloadError:
    """Return the 404 Unknown Message error (code 10008)."""
    return PayloadError(404, 10008, "Unknown Message")


def unknown_webhook() -> PayloadError:
    """Return the 404 Unknown Webhook error (code 10015)."""
    return PayloadError(404, 10015, "Unknown Webhook")


def missing_permissions() -> PayloadError:
    """Return the 403 Missing Permissions error (code 50013)."""
    return PayloadError(403, 50013, "Missing Permissions")


def service_unavailable() -> PayloadError:
    """Return a 503 as Discord answers during an outage."""
    return PayloadError(503, 0, "Service Unavailable")


def rate_limited(retry_after: float) -> PayloadError:
    """Return a 429 with ``retry_after`` in the body and the headers Discord sends."""
    error = PayloadError(429, 0, "You are being rate limited.")
    error.extra = {"retry_after": retry_after, "global": False}
    error.headers = {"Via": "1.1 google", "Retry-After": str(int(retry_after))}
    return error


def poll_payload(request: JSON) -> JSON:
    """Turn a poll create request into the poll object messages carry."""
    hours = int(request.get("duration", 24))
    return {
        "question": request.get("question", {}),
        "answers": [
            {"answer_id": i, "poll_media": a.get("poll_media", {})}
            for i, a in enumerate(request.get("answers", []), start=1)
        ],
        "expiry": iso(utcnow() + dt.timedelta(hours=hours)),
        "allow_multiselect": bool(request.get("allow_multiselect", False)),
        "layout_type": request.get("layout_type", 1),
        "results": {"is_finalized": False, "answer_counts": []},
    }


class FakeState:
    """Everything the fake Discord knows, plus the operations REST and the driver perform."""

    def __init__(self, *, bot_user: FakeUser, application_id: int, guilds: list[FakeGuild]) -> None:
        self.bot_user = bot_user
        self.hub = ErrorHub()
        self.application_id = application_id
        self.guilds: dict[int, FakeGuild] = {g.id: g for g in guilds}
        self.dm_channels: dict[int, FakeChannel] = {}
        self.users: dict[int, FakeUser] = {bot_user.id: bot_user}
        for guild in guilds:
            for member in guild.members:
                self.users[member.user.id] = member.user
        self.messages: dict[int, StoredMessage] = {}
        self.message_events: EventLog[MessageEvent] = EventLog("channel messages", self.hub)
        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[int, list[JSON]] = {}
        self.command_syncs: EventLog[CommandSync] = EventLog("command syncs", self.hub)
        self.interactions: dict[str, FakeInteraction] = {}
        # True: every interaction has expired by the time the bot answers (an overload).
        self.interactions_expire = False
        # Discord's window for the first response (3 s): a later one is refused as an
        # Unknown interaction. None (the default) waits forever, as slow test runs need.
        self.interaction_window_s: float | None = None
        self.modals: EventLog[ModalRecord] = EventLog("modals", self.hub)
        self.channel_failures: dict[int, int] = {}
        self.retry_after: dict[int, float] = {}
        # (author id, nonce) -> (message id, monotonic time it was first used)
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self.uploads: dict[int, list[Upload]] = {}
        self.attachment_data: dict[int, bytes] = {}
        self.base_url = "http://fake-discord.invalid"
        self.dispatcher: Dispatcher | None = None
        self.internal_errors: list[BaseException] = []
        self.hub.context = self.diagnostics
        # GET /applications/@me: the application's owner (a placeholder user until a test
        # names one), or the team that owns it, as (member, role) with role one of "admin",
        # "developer" or "read_only", and the team's owner.
        self.application_owner: FakeUser = FakeUser(id=1, username="owner", global_name="Owner")
        self.application_team: tuple[FakeUser, list[tuple[FakeUser, str]]] | None = None

    def diagnostics(self) -> str:
        """Failed REST calls and fake crashes, appended to timeout messages."""
        failed = [
            f"{r} {r.response!r:.300} (sent {r.body!r:.300})"
            for r in self.requests
            if r.status >= 400
        ][-8:]
        lines = []
        if failed:
            lines.append(
                "\nREST calls the fake refused (most recent last):\n  " + "\n  ".join(failed)
            )
        if self.internal_errors:
            lines.append(f"\nfake discord internal errors: {self.internal_errors!r}")
        return "".join(lines)

    # ----------------------------------------------------------------- lookups

    def channel(self, channel_id: int) -> FakeChannel | None:
        """Return a guild or DM channel by id."""
        if channel_id in self.dm_channels:
            return self.dm_channels[channel_id]
        for guild in self.guilds.values():
            found = guild.get_channel(channel_id)
            if found is not None:
                return found
        return None

    def require_channel(self, channel_id: int) -> FakeChannel:
        """Return the channel or raise 404 Unknown Channel."""
        found = self.channel(channel_id)
        if found is None:
            raise unknown_channel()
        return found

    def role(self, role_id: int) -> FakeRole | None:
        """Return a role from any guild by id."""
        for guild in self.guilds.values():
            for role in guild.all_roles():
                if role.id == role_id:
                    return role
        return None

    def guild_of(self, channel_id: int) -> FakeGuild | None:
        """Return the guild owning a channel (None for DMs)."""
        found = self.channel(channel_id)
        if found is None or found.guild_id is None:
            return None
        return self.guilds.get(found.guild_id)

    def live_message(self, channel_id: int, message_id: int) -> StoredMessage:
        """Return a non-deleted, non-ephemeral message of a channel or raise 404."""
        message = self.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            raise unknown_message()
        if message.ephemeral:
            raise unknown_message()
        return message

    def channel_messages(
        self, channel_id: int, *, include_ephemeral: bool = True
    ) -> list[StoredMessage]:
        """Return the current (non-deleted) messages of a channel, oldest first."""
        return [
            m
            for m in self.messages.values()
            if m.channel_id == channel_id
            and not m.deleted
            and (include_ephemeral or not m.ephemeral)
        ]

    def check_failure(self, channel_id: int) -> None:
        """Raise the injected failure for this channel, if any."""
        status = self.channel_failures.get(channel_id)
        if status == 403:
            raise missing_permissions()
        if status == 404:
            raise unknown_channel()
        if status == 429:
            raise rate_limited(self.retry_after.get(channel_id, 60.0))
        if status == 503:
            raise service_unavailable()

    # ---------------------------------------------------------------- messages

    def _apply(
        self, message: StoredMessage, payload: JSON, uploads: list[Upload], *, creating: bool
    ) -> StoredMessage:
        candidate = message.snapshot()
        if "content" in payload:
            candidate.content = str(payload["content"] or "")
        if "embeds" in payload:
            candidate.embeds = list(payload["embeds"] or [])
        if "components" in payload:
            candidate.components = list(payload["components"] or [])
        if "allowed_mentions" in payload:
            candidate.allowed_mentions = payload["allowed_mentions"]
        if payload.get("flags") is not None:
            flags = int(payload["flags"])
            if creating:
                candidate.flags |= flags & CREATE_FLAGS
            else:
                candidate.flags = (candidate.flags & ~EDIT_FLAGS) | (flags & EDIT_FLAGS)
        if creating:
            candidate.tts = bool(payload.get("tts", False))
            if payload.get("nonce") is not None:
                candidate.extra["nonce"] = payload["nonce"]
            if payload.get("poll") is not None:
                candidate.extra["poll"] = poll_payload(payload["poll"])
            if payload.get("message_reference"):
                candidate.message_reference = payload["message_reference"]
                candidate.type = 19
        self._apply_attachments(candidate, payload, uploads)
        if not creating:
            candidate.edited_timestamp = utcnow()
            candidate.flags &= ~FLAG_LOADING
        validate_message(candidate)
        return candidate

    def _apply_attachments(
        self, message: StoredMessage, payload: JSON, uploads: list[Upload]
    ) -> None:
        if uploads:
            self.uploads[message.id] = self.uploads.get(message.id, []) + uploads
        if "attachments" not in payload and not uploads:
            return
        by_index = {u.index: u for u in uploads}
        existing = {a["id"]: a for a in message.attachments}
        result: list[JSON] = []
        entries: list[JSON] = payload.get("attachments") or [
            {"id": u.index, "filename": u.filename} for u in uploads
        ]
        for entry in entries:
            key = str(entry.get("id"))
            if key in existing:
                result.append(existing[key])
                continue
            upload = by_index.get(int(entry.get("id", -1)))
            if upload is None:
                continue
            attachment_id = snowflake()
            self.attachment_data[attachment_id] = upload.data
            url = f"{self.base_url}/attachments/{message.channel_id}/{attachment_id}"
            result.append(
                {
                    "id": str(attachment_id),
                    "filename": entry.get("filename") or upload.filename,
                    "description": entry.get("description"),
                    "size": len(upload.data),
                    "url": f"{url}/{upload.filename}",
                    "proxy_url": f"{url}/{upload.filename}",
                    "content_type": upload.content_type,
                }
            )
        message.attachments = result

    def record_event(
        self, kind: Literal["create", "edit", "delete"], message: StoredMessage, via: Via
    ) -> None:
        """Log a message event (with a snapshot) and dispatch it to the gateway."""
        self.message_events.append(MessageEvent(kind, message.snapshot(), via))
        self._dispatch_message(kind, message)

    def _dispatch_message(self, kind: str, message: StoredMessage) -> None:
        dispatcher = self.dispatcher
        if dispatcher is None or message.ephemeral:
            return
        intent = INTENT_GUILD_MESSAGES if message.guild_id is not None else INTENT_DIRECT_MESSAGES
        if not dispatcher.intents & intent:
            return
        if kind == "delete":
            data: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            dispatcher.dispatch("MESSAGE_DELETE", data)
            return
        data = message.to_payload()
        is_own = message.author.id == self.bot_user.id
        mentioned = f"<@{self.bot_user.id}>" in message.content
        if (
            not is_own
            and message.guild_id is not None
            and not mentioned
            and not dispatcher.intents & INTENT_MESSAGE_CONTENT
        ):
            data.update(content="", embeds=[], attachments=[], components=[])
        guild = self.guilds.get(message.guild_id) if message.guild_id is not None else None
        if guild is not None and not message.webhook_id:
            member = guild.get_member(message.author.id)
            if member is not None:
                data["member"] = {k: v for k, v in member.to_payload().items() if k != "user"}
        dispatcher.dispatch("MESSAGE_CREATE" if kind == "create" else "MESSAGE_UPDATE", data)

    def create_message(
        self,
        channel_id: int,
        author: FakeUser,
        payload: JSON,
        uploads: list[Upload] | None = None,
        *,
        via: Via,
        interaction: FakeInteraction | None = None,
        extra_flags: int = 0,
    ) -> StoredMessage:
        """Validate and store a new message, record the event, dispatch MESSAGE_CREATE.

        With ``enforce_nonce``, a nonce this author used in the last few minutes returns
        the message created then instead of a new one, as Discord does.
        """
        channel = self.require_channel(channel_id)
        nonce_key: tuple[int, str] | None = None
        if payload.get("nonce") is not None and payload.get("enforce_nonce"):
            nonce_key = (author.id, str(payload["nonce"]))
            seen = self.nonces.get(nonce_key)
            if seen is not None and time.monotonic() - seen[1] < NONCE_WINDOW_S:
                existing = self.messages[seen[0]]
                if existing.deleted:
                    raise unknown_message()
                return existing
        message = StoredMessage(
            id=snowflake(),
            channel_id=channel_id,
            guild_id=channel.guild_id,
            author=author,
            flags=extra_flags,
        )
        if interaction is not None:
            message.webhook_id = self.application_id
            message.application_id = self.application_id
            message.interaction_id = interaction.id
            message.type = 20 if interaction.type == APPLICATION_COMMAND else 0
            message.interaction_metadata = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.to_payload(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id or 0)},
            }
        message = self._apply(message, payload, uploads or [], creating=True)
        self.messages[message.id] = message
        if nonce_key is not None:
            self.nonces[nonce_key] = (message.id, time.monotonic())
        self.record_event("create", message, via)
        return message

    def edit_message(
        self,
        message: StoredMessage,
        payload: JSON,
        uploads: list[Upload] | None = None,
        *,
        via: Via,
    ) -> StoredMessage:
        """Validate and apply a partial edit, record it, dispatch MESSAGE_UPDATE."""
        updated = self._apply(message, payload, uploads or [], creating=False)
        self.messages[updated.id] = updated
        self.record_event("edit", updated, via)
        return updated

    def delete_message(self, message: StoredMessage, *, via: Via) -> None:
        """Mark a message deleted, record it, dispatch MESSAGE_DELETE."""
        message.deleted = True
        self.record_event("delete", message, via)

    # ---------------------------------------------------------------- commands

    def overwrite_commands(self, guild_id: int | None, commands: list[JSON]) -> list[JSON]:
        """Replace the global or guild command list, keeping ids of same-named commands."""
        previous = (
            self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])
        )
        old_ids = {(c["name"], c.get("type", 1)): c["id"] for c in previous}
        stored: list[JSON] = []
        for command in commands:
            item = copy.deepcopy(command)
            item.setdefault("type", 1)
            item["id"] = old_ids.get((item["name"], item["type"]), str(snowflake()))
            item["application_id"] = str(self.application_id)
            item["version"] = str(snowflake())
            item.setdefault("description", "")
            item.setdefault("options", [])
            item.setdefault("default_member_permissions", None)
            if guild_id is not None:
                item["guild_id"] = str(guild_id)
            stored.append(item)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self.command_syncs.append(CommandSync(guild_id, copy.deepcopy(stored)))
        return copy.deepcopy(stored)

    def find_command(self, name: str, guild_id: int | None, command_type: int = 1) -> JSON | None:
        """Return the registered command a user in ``guild_id`` would see under ``name``."""
        pools = [self.guild_commands.get(guild_id, [])] if guild_id is not None else []
        pools.append(self.global_commands)
        for pool in pools:
            for command in pool:
                if command["name"] == name and command.get("type", 1) == command_type:
                    return command
        return None

    def register_interaction(self, interaction: FakeInteraction) -> None:
        """Remember an interaction so its token works for callbacks and webhooks."""
        interaction._lookup = self._lookup_message
        interaction.events.hub = self.hub
        self.hub.register(interaction.events)
        self.interactions[interaction.token] = interaction

    def _lookup_message(self, message_id: int) -> StoredMessage | None:
        return self.messages.get(message_id)

    # --------------------------------------------------------------------- DMs

    def open_dm(self, user: FakeUser) -> FakeChannel:
        """Return (creating once) the DM channel between the bot and ``user``."""
        for channel in self.dm_channels.values():
            if channel.recipients and channel.recipients[0].id == user.id:
                return channel
        channel = FakeChannel(id=snowflake(), name="", type=CHANNEL_DM, recipients=(user,))
        self.dm_channels[channel.id] = channel
        return channel


MessagePredicate = Callable[[StoredMessage], bool]
"""A test's condition on a message snapshot."""
