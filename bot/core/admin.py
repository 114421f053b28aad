"""Admin use cases: every setting arrives as text, is validated, and changes all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core import calendar, parsing
from bot.core.delivering import Result
from bot.core.errors import DeliveryFailed, DeliveryPending
from bot.core.learning_model import AuditEntry
from bot.core.model import GuildConfig, Member, PostView
from bot.core.parsing import format_days, format_duration
from bot.core.ports import StoreTx
from bot.core.service import QuizService

# How an audit entry words a settings change, from the settings it produced.
Describe = Callable[[GuildConfig], str]


@dataclass(frozen=True)
class Status:
    """Everything `status` shows."""

    config: GuildConfig
    next_post: datetime | None


class GuildAdmin:
    """Settings changes for one platform, on top of the service."""

    def __init__(self, service: QuizService) -> None:
        self._service = service

    async def _update(
        self, guild_id: str, by: Member | None, action: str, describe: Describe, **changes: object
    ) -> GuildConfig:
        # The next slot is recomputed with the change; the ticker reads it from the store.
        # A change made by an admin is audited in its own transaction: never one without
        # the other.
        if by is None:
            return await self._service.update_config(guild_id, **changes)
        now = self._service.clock.now()

        async def audit(tx: StoreTx, config: GuildConfig) -> None:
            entry = AuditEntry(guild_id, by.id, by.name, action, describe(config), now)
            await tx.add_audit(entry)

        return await self._service.update_config(guild_id, audit, **changes)

    async def setup(
        self, guild_id: str, channel_id: str, time: str, timezone: str, *, by: Member | None = None
    ) -> GuildConfig:
        """Where and when the daily question goes."""
        post_time = parsing.parse_time(time)
        zone = parsing.parse_timezone(timezone)

        def where(config: GuildConfig) -> str:
            when = config.post_time.strftime("%H:%M")
            return f"channel {config.channel_id} at {when} {config.timezone}"

        return await self._update(
            guild_id, by, "setup", where, channel_id=channel_id, post_time=post_time, timezone=zone
        )

    async def set_reveal(
        self,
        guild_id: str,
        *,
        daily: str | None = None,
        draw: str | None = None,
        by: Member | None = None,
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

        def delays(config: GuildConfig) -> str:
            return (
                f"daily after {format_duration(config.daily_reveal_s)}, "
                f"draws after {format_duration(config.draw_reveal_s)}"
            )

        return await self._update(guild_id, by, "reveal", delays, **changes)

    async def set_difficulty(
        self, guild_id: str, level: str, *, by: Member | None = None
    ) -> GuildConfig:
        """The daily question's level: one level, mixed, or ramp."""
        value = parsing.parse_daily_difficulty(level)
        return await self._update(
            guild_id, by, "difficulty", lambda config: config.difficulty, difficulty=value
        )

    async def set_days(self, guild_id: str, days: str, *, by: Member | None = None) -> GuildConfig:
        """The weekdays with a daily question."""
        return await self._update(
            guild_id,
            by,
            "days",
            lambda config: format_days(config.days),
            days=parsing.parse_days(days),
        )

    async def set_paused(
        self, guild_id: str, paused: bool, *, by: Member | None = None
    ) -> GuildConfig:
        """Stop or restart daily posts (draws keep working)."""
        action = "pause" if paused else "resume"
        return await self._update(
            guild_id, by, action, lambda config: "daily questions", paused=paused
        )

    async def set_ping(
        self, guild_id: str, role_id: str | None, *, by: Member | None = None
    ) -> GuildConfig:
        """The role mentioned by each daily post, or none."""
        return await self._update(
            guild_id, by, "ping", lambda config: config.ping_role or "none", ping_role=role_id
        )

    async def post_now(self, guild_id: str) -> PostView | None:
        """Post today's daily question now; None when today's is out already.

        Raises DeliveryFailed when the channel refuses it (the post is given up, so a
        later postnow tries again) and DeliveryPending when the platform is not taking
        posts right now (it is retried on its own until the day ends).
        """
        service = self._service
        daily = await service.posting.post_daily(guild_id, claim=True)
        delivery = daily.delivery
        if not daily.created:
            if delivery is None:
                return None  # out already
            problem = delivery.last_error or "the platform has not taken it yet"
            raise DeliveryPending(
                f"Today's question is saved but not shown yet ({problem}); "
                "it is retried automatically until the day ends."
            )
        if delivery is not None:
            outcome = await service.deliveries.perform(delivery)
            if outcome.result is Result.GAVE_UP:
                raise DeliveryFailed(outcome.problem or "Could not post the daily question.")
            if outcome.result is Result.RETRYING:
                raise DeliveryPending(
                    "Today's question is saved, but the platform did not take it "
                    f"({outcome.problem}); it is retried automatically until the day ends."
                )
        return service.engine.view(await service.post(daily.post.post_id))

    async def status(self, guild_id: str) -> Status:
        """The whole configuration and the next post time the ticker will act on."""
        config = await self._service.config(guild_id)
        now = self._service.clock.now()
        next_post = config.next_due_at
        if next_post is None or next_post <= now:
            # Due this minute (the ticker is about to act) or not worked out yet.
            next_post = calendar.next_slot(config, now)
        return Status(config, next_post if config.is_scheduled else None)
