"""Admin switches of the community features: review channel, weekly recap, threads, rewards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core import parsing
from bot.core.community_model import CommunitySettings
from bot.core.community_settings import change_settings, settings_of
from bot.core.errors import InvalidInput
from bot.core.model import GuildConfig, Member
from bot.core.recap import next_recap
from bot.core.service import QuizService
from bot.core.text import echo

ON_WORDS = ("on", "yes", "true", "enable")
OFF_WORDS = ("off", "no", "false", "disable")
NEEDS_DAILY_CHANNEL = (
    "The {what} goes to the daily question's channel: run setup first to choose it."
)


def parse_switch(text: str) -> bool:
    """`on` or `off` (and their usual synonyms)."""
    word = text.strip().lower()
    if word in ON_WORDS:
        return True
    if word in OFF_WORDS:
        return False
    raise InvalidInput(f"{echo(text)} is neither on nor off.")


DAY_WORDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekday(text: str) -> int:
    """A day name (`mon` ... `sun`, or more of it, up to `wednesday`); Monday is 0."""
    word = text.strip().lower()
    for index, day in enumerate(DAY_WORDS):
        if len(word) >= 3 and day.startswith(word):
            return index
    raise InvalidInput(f"{echo(text)} is not a day: use mon, tue, wed, thu, fri, sat or sun.")


@dataclass(frozen=True)
class CommunityStatus:
    """Everything the community settings view shows."""

    settings: CommunitySettings
    config: GuildConfig
    next_recap: datetime | None


class CommunityAdmin:
    """Community settings changes for one platform; every value is checked before saving."""

    def __init__(self, service: QuizService) -> None:
        self._service = service

    async def status(self, guild_id: str) -> CommunityStatus:
        """The community switches with the next recap time."""
        settings = await settings_of(self._service, guild_id)
        config = await self._service.config(guild_id)
        when = next_recap(settings, config, self._service.clock.now())
        return CommunityStatus(settings, config, when)

    async def set_review_channel(
        self, guild_id: str, channel_id: str | None, *, by: Member | None = None
    ) -> CommunitySettings:
        """Open suggestions with a review channel, or close them (None)."""
        return await change_settings(
            self._service, guild_id, by, "suggestions", review_channel_id=channel_id
        )

    async def set_recap(
        self,
        guild_id: str,
        *,
        on: str | None = None,
        day: str | None = None,
        time: str | None = None,
        by: Member | None = None,
    ) -> CommunitySettings:
        """Turn the weekly recap on or off, or move it; all values checked before any is saved."""
        changes: dict[str, object] = {}
        if on is not None:
            changes["recap_on"] = parse_switch(on)
        if day is not None:
            changes["recap_day"] = parse_weekday(day)
        if time is not None:
            changes["recap_time"] = parsing.parse_time(time)
        if not changes:
            raise InvalidInput("Say what to change: on, off, a day (mon..sun) or a time (HH:MM).")
        if changes.get("recap_on"):
            await self._require_daily_channel(guild_id, "weekly recap")
        return await change_settings(self._service, guild_id, by, "recap", **changes)

    async def set_threads(
        self, guild_id: str, on: str, *, by: Member | None = None
    ) -> CommunitySettings:
        """Open a discussion for each daily question's reveal, or stop."""
        value = parse_switch(on)
        if value:
            await self._require_daily_channel(guild_id, "discussion")
        return await change_settings(self._service, guild_id, by, "threads", threads_on=value)

    async def _require_daily_channel(self, guild_id: str, what: str) -> None:
        if (await self._service.config(guild_id)).channel_id is None:
            raise InvalidInput(NEEDS_DAILY_CHANNEL.format(what=what))
