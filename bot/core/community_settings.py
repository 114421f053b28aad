"""Reading and changing a guild's community switches, all or nothing."""

from __future__ import annotations

import dataclasses

from bot.core.audit import record
from bot.core.community_model import CommunitySettings
from bot.core.model import Member
from bot.core.ports import StoreTx
from bot.core.service import QuizService


async def settings_of(service: QuizService, guild_id: str) -> CommunitySettings:
    """The guild's community switches (all off when never set)."""
    found = await service.store.community_settings(guild_id)
    return found or CommunitySettings(guild_id, service.platform)


async def change_settings(
    service: QuizService, guild_id: str, by: Member | None, action: str, **changes: object
) -> CommunitySettings:
    """Apply already-validated changes atomically, audited as `action` when an admin (`by`)
    made them, and return the result."""
    now = service.clock.now()

    async def job(tx: StoreTx) -> CommunitySettings:
        current = await tx.community_settings(guild_id) or CommunitySettings(
            guild_id, service.platform
        )
        updated = dataclasses.replace(current, **changes)  # type: ignore[arg-type]
        await tx.save_community_settings(updated)
        if by is not None:
            await record(tx, guild_id, by, action, describe(updated, changes), at=now)
        return updated

    return await service.store.write(job)


def describe(settings: CommunitySettings, changes: dict[str, object]) -> str:
    """The changed switches as the audit log shows them."""
    return ", ".join(f"{name} {getattr(settings, name)}" for name in sorted(changes))


async def audit(
    service: QuizService, guild_id: str, by: Member | None, action: str, detail: str
) -> None:
    """Record an admin action that changed no setting (a review)."""
    if by is None:
        return
    now = service.clock.now()

    async def job(tx: StoreTx) -> None:
        await record(tx, guild_id, by, action, detail, at=now)

    await service.store.write(job)


async def record_problem(service: QuizService, guild_id: str, message: str) -> None:
    """Show a community delivery problem to admins as the guild's last error (`status`)."""
    await service.update_config(guild_id, last_error=message, last_error_at=service.clock.now())
