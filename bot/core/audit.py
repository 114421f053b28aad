"""The audit log: every admin action with who, what and when; settings changes included."""

from __future__ import annotations

from datetime import datetime

from bot.core.admin import GuildAdmin, Status
from bot.core.learning_model import AuditEntry
from bot.core.model import GuildConfig, Member, PostView
from bot.core.ports import StoreTx
from bot.core.service import QuizService

AUDIT_SHOWN = 20


async def record(
    tx: StoreTx,
    guild_id: str,
    actor: Member,
    action: str,
    detail: str,
    *,
    at: datetime,
    target_id: str | None = None,
) -> None:
    """Append one admin action inside the caller's transaction."""
    await tx.add_audit(AuditEntry(guild_id, actor.id, actor.name, action, detail, at, target_id))


class AuditedAdmin:
    """GuildAdmin's settings changes, each written to the audit log with the acting admin
    (in the change's own transaction), and `postnow`."""

    def __init__(self, admin: GuildAdmin, service: QuizService) -> None:
        self.inner = admin
        self._service = service

    async def _log(self, guild_id: str, by: Member, action: str, detail: str) -> None:
        now = self._service.clock.now()

        async def job(tx: StoreTx) -> None:
            await record(tx, guild_id, by, action, detail, at=now)

        await self._service.store.write(job)

    async def setup(
        self, guild_id: str, channel_id: str, time: str, timezone: str, *, by: Member
    ) -> GuildConfig:
        """Where and when the daily question goes."""
        return await self.inner.setup(guild_id, channel_id, time, timezone, by=by)

    async def set_reveal(
        self, guild_id: str, *, daily: str | None = None, draw: str | None = None, by: Member
    ) -> GuildConfig:
        """Reveal delays."""
        return await self.inner.set_reveal(guild_id, daily=daily, draw=draw, by=by)

    async def set_difficulty(self, guild_id: str, level: str, *, by: Member) -> GuildConfig:
        """The daily question's level."""
        return await self.inner.set_difficulty(guild_id, level, by=by)

    async def set_days(self, guild_id: str, days: str, *, by: Member) -> GuildConfig:
        """The weekdays with a daily question."""
        return await self.inner.set_days(guild_id, days, by=by)

    async def set_paused(self, guild_id: str, paused: bool, *, by: Member) -> GuildConfig:
        """Stop or restart daily posts."""
        return await self.inner.set_paused(guild_id, paused, by=by)

    async def set_ping(self, guild_id: str, role_id: str | None, *, by: Member) -> GuildConfig:
        """The role mentioned by each daily post, or none."""
        return await self.inner.set_ping(guild_id, role_id, by=by)

    async def post_now(self, guild_id: str, *, by: Member) -> PostView | None:
        """Post today's daily question now unless it is already out."""
        view = await self.inner.post_now(guild_id)
        detail = f"posted #{view.post.post_id}" if view else "already posted"
        await self._log(guild_id, by, "postnow", detail)
        return view

    async def status(self, guild_id: str) -> Status:
        """The whole configuration (reading is not audited)."""
        return await self.inner.status(guild_id)

    async def recent(self, guild_id: str, limit: int = AUDIT_SHOWN) -> list[AuditEntry]:
        """The guild's latest admin actions, newest first."""
        return await self._service.store.audit(guild_id, limit)
