"""Plain data models for the fake Discord: users, guilds, channels, messages, records."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]
"""A JSON object as sent over the wire."""

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
"""Administrator permission bit."""
MANAGE_CHANNELS = 1 << 4
"""Manage Channels permission bit."""
MANAGE_GUILD = 1 << 5
"""Manage Guild permission bit (0x20)."""
ADD_REACTIONS = 1 << 6
"""Add Reactions permission bit."""
VIEW_CHANNEL = 1 << 10
"""View Channel permission bit."""
SEND_MESSAGES = 1 << 11
"""Send Messages permission bit."""
MANAGE_MESSAGES = 1 << 13
"""Manage Messages permission bit."""
EMBED_LINKS = 1 << 14
"""Embed Links permission bit."""
ATTACH_FILES = 1 << 15
"""Attach Files permission bit."""
READ_MESSAGE_HISTORY = 1 << 16
"""Read Message History permission bit."""
MANAGE_ROLES = 1 << 28
"""Manage Roles permission bit."""
USE_APPLICATION_COMMANDS = 1 << 31
"""Use Application Commands permission bit."""
CREATE_PUBLIC_THREADS = 1 << 35
"""Create Public Threads permission bit."""

DEFAULT_MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | EMBED_LINKS
    | ATTACH_FILES
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS
)
"""Permissions an ordinary member has unless a test says otherwise."""
DEFAULT_BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | MANAGE_MESSAGES
"""Permissions the bot's managed role grants by default."""

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
"""Message flag: embeds suppressed."""
FLAG_EPHEMERAL = 1 << 6
"""Message flag: only the invoking user can see the message."""
FLAG_LOADING = 1 << 7
"""Message flag: deferred interaction response ("Bot is thinking...")."""
FLAG_COMPONENTS_V2 = 1 << 15
"""Message flag: the message uses layout (v2) components."""

# Channel types.
CHANNEL_TEXT = 0
"""Guild text channel type."""
CHANNEL_DM = 1
"""Direct message channel type."""
CHANNEL_CATEGORY = 4
"""Guild category type."""
CHANNEL_PUBLIC_THREAD = 11
"""Public thread type."""

_counter = itertools.count()
_counter_lock = threading.Lock()


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), a good deal cheaper than deepcopy."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    if value is None or isinstance(value, str | int | float):
        return value
    return copy.deepcopy(value)


def snowflake(when: dt.datetime | None = None) -> int:
    """Return a new unique snowflake whose timestamp is ``when`` (default: now)."""
    ms = int(when.timestamp() * 1000) if when is not None else int(time.time() * 1000)
    with _counter_lock:
        increment = next(_counter) & 0x3FFFFF
    return ((ms - DISCORD_EPOCH_MS) << 22) | increment


def snowflake_on_shard(shard_id: int, shard_count: int) -> int:
    """A new unique snowflake whose guild would live on `shard_id` of `shard_count`."""
    candidate = snowflake()
    # The shard is taken from the timestamp bits: move the id a few milliseconds on.
    return candidate + (((shard_id - (candidate >> 22)) % shard_count) << 22)


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def iso(when: dt.datetime | None) -> str | None:
    """Format a datetime the way Discord does, or pass ``None`` through."""
    return when.isoformat() if when is not None else None


@dataclass(frozen=True)
class FakeUser:
    """A Discord user (a member when used inside a guild)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    def to_payload(self) -> JSON:
        """Return the user object Discord would send."""
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(frozen=True)
class FakeRole:
    """A guild role."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False

    def to_payload(self) -> JSON:
        """Return the role object Discord would send."""
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
            "icon": None,
            "unicode_emoji": None,
        }


@dataclass(frozen=True)
class FakeChannel:
    """A guild text channel, category or DM channel."""

    id: int
    name: str
    type: int = CHANNEL_TEXT
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    recipients: tuple[FakeUser, ...] = ()
    # Role overwrites as (role id, allow bits, deny bits), e.g. to deny the bot's role.
    overwrites: tuple[tuple[int, int, int], ...] = ()

    def to_payload(self) -> JSON:
        """Return the channel object Discord would send."""
        if self.type == CHANNEL_DM:
            return {
                "id": str(self.id),
                "type": self.type,
                "last_message_id": None,
                "recipients": [u.to_payload() for u in self.recipients],
            }
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [
                {"id": str(role), "type": 0, "allow": str(allow), "deny": str(deny)}
                for role, allow, deny in self.overwrites
            ],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "nsfw": False,
            "flags": 0,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.type == CHANNEL_TEXT:
            data.update(topic=self.topic, rate_limit_per_user=0, last_message_id=None)
        return data


@dataclass(frozen=True)
class FakeMember:
    """A user's membership in a guild."""

    user: FakeUser
    roles: tuple[int, ...] = ()
    nick: str | None = None
    joined_at: dt.datetime = field(default_factory=utcnow)

    def to_payload(self, permissions: int | None = None) -> JSON:
        """Return the guild member object; ``permissions`` is added for interactions."""
        data: JSON = {
            "user": self.user.to_payload(),
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeGuild:
    """A guild with its channels, roles and members as the fake serves them."""

    id: int
    name: str
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    owner_id: int = 0
    everyone_permissions: int = DEFAULT_MEMBER_PERMISSIONS
    bot_permissions: int = DEFAULT_BOT_PERMISSIONS
    bot_role_id: int = field(default_factory=snowflake)
    # Where the bot's own role sits in the hierarchy: it may manage only roles below it.
    bot_role_position: int = 0
    locale: str = "en-US"

    def everyone_role(self) -> FakeRole:
        """Return the implicit @everyone role (its id equals the guild id)."""
        return FakeRole(id=self.id, name="@everyone", permissions=self.everyone_permissions)

    def all_roles(self) -> list[FakeRole]:
        """Return @everyone, the bot's managed role and the configured roles."""
        bot_role = FakeRole(
            id=self.bot_role_id,
            name="Bot",
            permissions=self.bot_permissions,
            position=self.bot_role_position,
            managed=True,
        )
        return [self.everyone_role(), bot_role, *self.roles]

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        """Return the channel with this id, if it belongs to the guild."""
        return next((c for c in self.channels if c.id == channel_id), None)

    def get_member(self, user_id: int) -> FakeMember | None:
        """Return the configured member with this user id, if any."""
        return next((m for m in self.members if m.user.id == user_id), None)

    def get_role(self, role_id: int) -> FakeRole | None:
        """Return the role with this id (including @everyone and the bot's role), if any."""
        return next((r for r in self.all_roles() if r.id == role_id), None)

    def set_member_roles(self, user_id: int, roles: tuple[int, ...]) -> FakeMember:
        """Replace a member's roles; returns the updated member."""
        index = next(i for i, m in enumerate(self.members) if m.user.id == user_id)
        updated = dataclasses.replace(self.members[index], roles=roles)
        self.members[index] = updated
        return updated

    def partial_payload(self) -> JSON:
        """Return the partial guild object embedded in interactions."""
        return {"id": str(self.id), "locale": self.locale, "features": []}

    def to_payload(self, bot_user: FakeUser | None = None) -> JSON:
        """Return the guild object (GUILD_CREATE shape when ``bot_user`` is given)."""
        members = [m.to_payload() for m in self.members]
        if bot_user is not None and self.get_member(bot_user.id) is None:
            members.append(FakeMember(bot_user, roles=(self.bot_role_id,)).to_payload())
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id or self.id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in self.all_roles()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }
        if bot_user is not None:
            data.update(
                unavailable=False,
                large=False,
                member_count=len(members),
                joined_at=iso(utcnow()),
                members=members,
                channels=[c.to_payload() for c in self.channels],
                threads=[],
                voice_states=[],
                presences=[],
                stage_instances=[],
                guild_scheduled_events=[],
                soundboard_sounds=[],
            )
        return data


@dataclass
class StoredMessage:
    """A message as the fake stores it; ``to_payload`` is what discord.py receives."""

    id: int
    channel_id: int
    guild_id: int | None
    author: FakeUser
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: JSON | None = None
    tts: bool = False
    type: int = 0
    timestamp: dt.datetime = field(default_factory=utcnow)
    edited_timestamp: dt.datetime | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: JSON | None = None
    message_reference: JSON | None = None
    extra: JSON = field(default_factory=dict)
    deleted: bool = False

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user can see this message (flag 64)."""
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether this is a deferred "thinking" placeholder (flag 128)."""
        return bool(self.flags & FLAG_LOADING)

    def snapshot(self) -> StoredMessage:
        """Return a deep copy, frozen in time for event logs."""
        # The author and the timestamps are immutable: only the JSON parts are copied.
        return dataclasses.replace(
            self,
            embeds=copy_json(self.embeds),
            components=copy_json(self.components),
            attachments=copy_json(self.attachments),
            allowed_mentions=copy_json(self.allowed_mentions),
            interaction_metadata=copy_json(self.interaction_metadata),
            message_reference=copy_json(self.message_reference),
            extra=copy_json(self.extra),
        )

    def iter_components(self) -> Iterator[JSON]:
        """Yield every component in the message, depth first (rows, containers...)."""
        yield from iter_components(self.components)

    def find_component(self, custom_id: str) -> JSON | None:
        """Return the interactive component with this custom_id, if present."""
        return next((c for c in self.iter_components() if c.get("custom_id") == custom_id), None)

    def custom_ids(self) -> list[str]:
        """Return the custom_ids of all interactive components."""
        return [c["custom_id"] for c in self.iter_components() if "custom_id" in c]

    def embed_text(self) -> str:
        """Return the titles, descriptions and fields of all embeds as one string."""
        parts: list[str] = []
        for embed in self.embeds:
            parts.extend(str(embed[k]) for k in ("title", "description") if embed.get(k))
            for f in embed.get("fields", []):
                parts.extend((str(f.get("name", "")), str(f.get("value", ""))))
            for k in ("footer", "author"):
                sub = embed.get(k)
                if isinstance(sub, dict) and sub.get("text" if k == "footer" else "name"):
                    parts.append(str(sub.get("text" if k == "footer" else "name")))
        return "\n".join(parts)

    def summary(self) -> str:
        """A one-line description for logs and timeout messages."""
        flags = [n for n, bit in (("ephemeral", 64), ("loading", 128)) if self.flags & bit]
        parts = [f"msg {self.id} in {self.channel_id}", repr(self.content[:80])]
        if self.embeds:
            parts.append(f"embeds={[e.get('title') for e in self.embeds]}")
        if self.components:
            parts.append(f"custom_ids={self.custom_ids()}")
        parts.extend(flags)
        if self.deleted:
            parts.append("deleted")
        return " ".join(parts)

    def to_payload(self) -> JSON:
        """Return the message object Discord would send."""
        data: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.to_payload(),
            "content": self.content,
            "timestamp": iso(self.timestamp),
            "edited_timestamp": iso(self.edited_timestamp),
            "tts": self.tts,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": copy_json(self.attachments),
            "embeds": copy_json(self.embeds),
            "components": copy_json(self.components),
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = copy_json(self.interaction_metadata)
        if self.message_reference is not None:
            data["message_reference"] = copy_json(self.message_reference)
        data.update(copy_json(self.extra))
        return data


def iter_components(components: list[JSON]) -> Iterator[JSON]:
    """Yield components recursively through rows, containers, sections and labels."""
    for component in components:
        yield component
        yield from iter_components(component.get("components", []))
        for key in ("accessory", "component"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from iter_components([child])


@dataclass(frozen=True)
class MessageEvent:
    """A create, edit or delete of a message, with a snapshot of the message after it."""

    kind: Literal["create", "edit", "delete"]
    message: StoredMessage
    via: Literal["channel", "interaction", "webhook", "user"]

    @property
    def channel_id(self) -> int:
        """The channel the message lives in."""
        return self.message.channel_id

    def __repr__(self) -> str:
        return f"<{self.kind} via {self.via}: {self.message.summary()}>"


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request the bot made to the fake, and the status it got."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    response: Any = None

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass(frozen=True)
class CommandSync:
    """One bulk overwrite of application commands (``guild_id`` None means global)."""

    guild_id: int | None
    commands: list[JSON]

    @property
    def names(self) -> list[str]:
        """The names of the synced commands."""
        return [c["name"] for c in self.commands]


def make_user(username: str, global_name: str | None = None, *, id: int | None = None) -> FakeUser:
    """Build a human user (a fake registers it when it is used or via ``fake.make_user``)."""
    return FakeUser(id=id or snowflake(), username=username, global_name=global_name)


def make_guild(
    name: str,
    *,
    channels: tuple[str, ...] | list[str] = ("general",),
    roles: tuple[tuple[str, int], ...] | list[tuple[str, int]] = (),
    members: tuple[FakeUser, ...] | list[FakeUser] = (),
    everyone_permissions: int = DEFAULT_MEMBER_PERMISSIONS,
    bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
    id: int | None = None,
    bot_role_position: int = 0,
) -> FakeGuild:
    """Build a guild with text channels (by name), roles ``(name, permissions)`` and members.

    Configured roles take positions 1, 2, ... in order; the bot's role sits at
    ``bot_role_position`` (0, the bottom, unless a test raises it to manage roles).
    """
    guild_id = id or snowflake()
    return FakeGuild(
        id=guild_id,
        name=name,
        channels=[
            FakeChannel(id=snowflake(), name=c, type=CHANNEL_TEXT, guild_id=guild_id, position=i)
            for i, c in enumerate(channels)
        ],
        roles=[
            FakeRole(id=snowflake(), name=r, permissions=p, position=i + 1)
            for i, (r, p) in enumerate(roles)
        ],
        members=[FakeMember(u) for u in members],
        everyone_permissions=everyone_permissions,
        bot_permissions=bot_permissions,
        bot_role_position=bot_role_position,
    )
