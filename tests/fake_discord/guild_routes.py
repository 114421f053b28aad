"""REST routes for member roles and threads started from a message, backed by ``FakeState``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .models import (
    ADMINISTRATOR,
    CHANNEL_PUBLIC_THREAD,
    CREATE_PUBLIC_THREADS,
    JSON,
    MANAGE_ROLES,
    FakeChannel,
    FakeGuild,
    iso,
    utcnow,
)
from .state import FakeState, Upload, missing_permissions
from .validation import PayloadError, invalid_form

Reply = tuple[int, Any]
Handler = Callable[[web.Request, Any, list[Upload]], Awaitable[Reply]]
FLAG_HAS_THREAD = 1 << 5
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


def _id(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise PayloadError(404, 0, f"404: Not Found ({name})") from None


def thread_payload(thread: FakeChannel, owner_id: int, archive_minutes: int) -> JSON:
    """The thread channel object Discord returns when a thread starts."""
    return {
        "id": str(thread.id),
        "type": thread.type,
        "guild_id": str(thread.guild_id),
        "parent_id": str(thread.parent_id),
        "owner_id": str(owner_id),
        "name": thread.name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": archive_minutes,
            "archive_timestamp": iso(utcnow()),
            "locked": False,
            "create_timestamp": iso(utcnow()),
        },
    }


class GuildRoutes:
    """Member role add/remove and start-thread-from-message, with Discord's permission rules."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        # Thread id (the starter message's id) -> the thread, as started by the bot.
        self.threads: dict[int, FakeChannel] = {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path, handler) for RestApi to install."""
        member_role = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"
        return [
            ("PUT", member_role, self.add_member_role),
            ("DELETE", member_role, self.remove_member_role),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.start_thread),
        ]

    def _bot_permissions(self, guild: FakeGuild) -> int:
        return guild.everyone_permissions | guild.bot_permissions

    def _role_change(self, request: web.Request) -> tuple[FakeGuild, int, int]:
        guild = self.state.guilds.get(_id(request, "guild_id"))
        if guild is None:
            raise PayloadError(404, 10004, "Unknown Guild")
        role = guild.get_role(_id(request, "role_id"))
        if role is None:
            raise PayloadError(404, 10011, "Unknown Role")
        member = guild.get_member(_id(request, "user_id"))
        if member is None:
            raise PayloadError(404, 10007, "Unknown Member")
        perms = self._bot_permissions(guild)
        if not perms & ADMINISTRATOR and not perms & MANAGE_ROLES:
            raise missing_permissions()
        if role.position >= guild.bot_role_position or role.managed or role.id == guild.id:
            raise missing_permissions()
        return guild, member.user.id, role.id

    async def add_member_role(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """PUT /guilds/{id}/members/{user}/roles/{role} (idempotent, as on Discord)."""
        guild, user_id, role_id = self._role_change(request)
        member = guild.get_member(user_id)
        assert member is not None
        if role_id not in member.roles:
            guild.set_member_roles(user_id, (*member.roles, role_id))
        return 204, None

    async def remove_member_role(
        self, request: web.Request, body: Any, uploads: list[Upload]
    ) -> Reply:
        """DELETE /guilds/{id}/members/{user}/roles/{role}."""
        guild, user_id, role_id = self._role_change(request)
        member = guild.get_member(user_id)
        assert member is not None
        guild.set_member_roles(user_id, tuple(r for r in member.roles if r != role_id))
        return 204, None

    async def start_thread(self, request: web.Request, body: Any, uploads: list[Upload]) -> Reply:
        """POST /channels/{id}/messages/{id}/threads: a public thread whose id is the message's."""
        channel_id = _id(request, "channel_id")
        self.state.check_failure(channel_id)
        channel = self.state.require_channel(channel_id)
        message = self.state.live_message(channel_id, _id(request, "message_id"))
        guild = self.state.guild_of(channel_id)
        if guild is None:
            raise PayloadError(400, 50024, "Cannot execute action on this channel type")
        perms = self._bot_permissions(guild)
        if not perms & ADMINISTRATOR and not perms & CREATE_PUBLIC_THREADS:
            raise missing_permissions()
        payload = body or {}
        name = str(payload.get("name") or "")
        minutes = int(payload.get("auto_archive_duration") or 1440)
        if not 1 <= len(name) <= 100:
            raise invalid_form({"name": "Must be between 1 and 100 in length."})
        if minutes not in ARCHIVE_DURATIONS:
            raise invalid_form({"auto_archive_duration": "Value must be one of (60, 1440, ...)."})
        if message.id in self.threads:
            raise PayloadError(400, 160004, "A thread has already been created for this message")
        thread = FakeChannel(
            id=message.id,
            name=name,
            type=CHANNEL_PUBLIC_THREAD,
            guild_id=guild.id,
            parent_id=channel.id,
        )
        self.threads[message.id] = thread
        message.flags |= FLAG_HAS_THREAD
        return 201, thread_payload(thread, self.state.bot_user.id, minutes)
