"""Admin use cases: every setting arrives as text, is validated, and changes all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core import calendar, parsing
from bot.core.model import GuildConfig, PostView
from bot.core.service import QuizService


@dataclass(frozen=True)
class Status:
    """Everything `status` shows."""

    config: GuildConfig
    next_post: datetime | None


class GuildAdmin:
    """Settings changes for one platform, on top of the service."""

    def __init__(
        self, service: QuizService, on_change: Callable[[GuildConfig], None] | None = None
    ) -> None:
        self._service = service
        # The scheduler moves the guild's daily job whenever its settings change.
        self._on_change = on_change

    async def _update(self, guild_id: str, **changes: object) -> GuildConfig:
        config = await self._service.update_config(guild_id, **changes)
        if self._on_change is not None:
            self._on_change(config)
        return config

    async def setup(self, guild_id: str, channel_id: str, time: str, timezone: str) -> GuildConfig:
        """Where and when the daily question goes."""
        post_time = parsing.parse_time(time)
        zone = parsing.parse_timezone(timezone)
        return await self._update(
            guild_id, channel_id=channel_id, post_time=post_time, timezone=zone
        )

    async def set_reveal(
        self, guild_id: str, *, daily: str | None = None, draw: str | None = None
    ) -> GuildConfig:
        """Reveal delays; both are checked before either is saved."""
        changes: dict[str, object] = {}
        if daily is not None:
            changes["daily_reveal_s"] = parsing.parse_duration(
                daily, bounds=parsing.DAILY_REVEAL_RANGE, what="daily"
            )
        if draw is not None:
            changes["draw_reveal_s"] = parsing.parse_duration(
                draw, bounds=parsing.DRAW_REVEAL_RANGE, what="draw"
            )
        return await self._update(guild_id, **changes)

    async def set_difficulty(self, guild_id: str, level: str) -> GuildConfig:
        """The daily question's level: one level, mixed, or ramp."""
        value = parsing.parse_daily_difficulty(level)
        return await self._update(guild_id, difficulty=value)

    async def set_days(self, guild_id: str, days: str) -> GuildConfig:
        """The weekdays with a daily question."""
        return await self._update(guild_id, days=parsing.parse_days(days))

    async def set_paused(self, guild_id: str, paused: bool) -> GuildConfig:
        """Stop or restart daily posts (draws keep working)."""
        return await self._update(guild_id, paused=paused)

    async def set_ping(self, guild_id: str, role_id: str | None) -> GuildConfig:
        """The role mentioned by each daily post, or none."""
        return await self._update(guild_id, ping_role=role_id)

    async def post_now(self, guild_id: str) -> PostView | None:
        """Post today's daily question now unless it is already out."""
        return await self._service.post_daily(guild_id, manual=True)

    async def status(self, guild_id: str) -> Status:
        """The whole configuration and the next post time."""
        config = await self._service.config(guild_id)
        return Status(config, calendar.next_slot(config, self._service.clock.now()))
