"""Reading and changing a guild's community switches, all or nothing."""

from __future__ import annotations

import dataclasses

from bot.core.community_model import CommunitySettings
from bot.core.ports import StoreTx
from bot.core.service import QuizService


async def settings_of(service: QuizService, guild_id: str) -> CommunitySettings:
    """The guild's community switches (all off when never set)."""
    found = await service.store.community_settings(guild_id)
    return found or CommunitySettings(guild_id, service.platform)


async def change_settings(
    service: QuizService, guild_id: str, **changes: object
) -> CommunitySettings:
    """Apply already-validated changes atomically and return the result."""

    async def job(tx: StoreTx) -> CommunitySettings:
        current = await tx.community_settings(guild_id) or CommunitySettings(
            guild_id, service.platform
        )
        updated = dataclasses.replace(current, **changes)  # type: ignore[arg-type]
        await tx.save_community_settings(updated)
        return updated

    return await service.store.write(job)
