"""The weekly recap: when it is due (in the guild's zone, DST included) and what it shows."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import calendar
from bot.core.community_model import (
    CommunitySettings,
    Hardest,
    PostResult,
    Recap,
)
from bot.core.community_ports import CommunityPublisher
from bot.core.community_settings import record_problem, settings_of
from bot.core.errors import ChannelUnavailable, NotFound
from bot.core.model import BoardEntry, Delivery, DeliveryKind, GuildConfig, Period
from bot.core.ports import NewDelivery, StoreTx
from bot.core.questions import Difficulty
from bot.core.service import QuizService

log = logging.getLogger(__name__)

RECAP_SIZE = 5
# One member's wrong answer says little about a question: the hardest is picked among
# questions at least this many answered, when there are any.
HARDEST_MIN_ANSWERS = 3
WEEK = timedelta(days=7)


def recap_slot(settings: CommunitySettings, config: GuildConfig, day: date) -> datetime:
    """The UTC instant of the recap in the local week that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    local_day = monday + timedelta(days=settings.recap_day)
    at = settings.recap_time or config.post_time
    return datetime.combine(local_day, at, tzinfo=ZoneInfo(config.timezone)).astimezone(UTC)


def next_recap(settings: CommunitySettings, config: GuildConfig, now: datetime) -> datetime | None:
    """When the next recap goes out, None while it is off or there is no daily channel."""
    if not settings.recap_on or config.channel_id is None:
        return None
    today = calendar.local_date(now, config.timezone)
    slot = recap_slot(settings, config, today)
    return slot if slot > now else recap_slot(settings, config, today + WEEK)


def due_recap(settings: CommunitySettings, config: GuildConfig, now: datetime) -> datetime | None:
    """This week's recap instant once it has passed, on its own local day only.

    As with the daily question, a recap missed while the bot was down goes out late the
    same day, and is skipped after that.
    """
    if not settings.recap_on or config.channel_id is None:
        return None
    today = calendar.local_date(now, config.timezone)
    slot = recap_slot(settings, config, today)
    if slot <= now and calendar.local_date(slot, config.timezone) == today:
        return slot
    return None


def week_before(instant: datetime, timezone: str) -> datetime:
    """The same wall-clock time seven local days earlier (167 or 169 hours across DST)."""
    zone = ZoneInfo(timezone)
    local = instant.astimezone(zone)
    earlier = datetime.combine(local.date() - WEEK, local.timetz().replace(tzinfo=None))
    return earlier.replace(tzinfo=zone).astimezone(UTC)


def rank_points(rows: list[tuple[str, str, str, int]], limit: int) -> list[BoardEntry]:
    """Members by points from (member, name, level, correct) rows; equal points share a rank."""
    points: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for member_id, name, difficulty, correct in rows:
        points[member_id] += Difficulty(difficulty).points * correct
        names[member_id] = name
    ordered = sorted(points.items(), key=lambda item: (-item[1], item[0]))[:limit]
    entries: list[BoardEntry] = []
    for position, (member_id, value) in enumerate(ordered, start=1):
        rank = entries[-1].rank if entries and entries[-1].value == value else position
        entries.append(BoardEntry(rank, member_id, names[member_id], value))
    return entries


def hardest(results: list[PostResult]) -> PostResult | None:
    """The lowest accuracy; on a tie the one more members answered, then the earlier post."""
    candidates = [r for r in results if r.answered >= HARDEST_MIN_ANSWERS] or results
    if not candidates:
        return None
    return min(candidates, key=lambda r: (r.accuracy, -r.answered, r.post_id))


class Recaps:
    """Builds and posts each guild's weekly recap, exactly once per local week."""

    def __init__(self, service: QuizService, publisher: CommunityPublisher | None = None) -> None:
        self._service = service
        self._publisher = publisher
        # On a platform the recap is a delivery, recorded with its claim: posted by the
        # worker, retried through outages and after a restart, never lost between the two.
        self._queued = publisher is not None and service.engine.delivers
        if self._queued:
            service.engine.guild_performers[DeliveryKind.RECAP] = self._deliver

    async def build(self, config: GuildConfig, end: datetime) -> Recap:
        """The recap of the seven local days before `end`, compared with the seven before."""
        assert config.channel_id is not None
        store, guild_id, zone = self._service.store, config.guild_id, config.timezone
        start = week_before(end, zone)
        before = week_before(start, zone)
        found = hardest(await store.post_results(guild_id, start, end))
        worst = None
        if found is not None:
            post = await store.post(found.post_id)
            try:
                question = self._service.question(found.question_id)
            except NotFound:
                question = None  # its pack changed since: leave it out
            if post is not None and question is not None:
                worst = Hardest(found, post, question)
        seq = await store.last_revealed_seq(guild_id)
        return Recap(
            guild_id=guild_id,
            channel_id=config.channel_id,
            week=calendar.period_key(Period.WEEK, end, zone),
            start=start,
            end=end,
            top=rank_points(await store.correct_by_level(guild_id, start, end), RECAP_SIZE),
            streaks=await store.top_streaks(guild_id, seq, RECAP_SIZE),
            hardest=worst,
            this_week=await store.participation(guild_id, start, end),
            last_week=await store.participation(guild_id, before, start),
            timezone=zone,
        )

    async def run_due(self, settings: CommunitySettings) -> Recap | None:
        """Post the guild's recap if it is due and not out yet; returns what was posted."""
        config = await self._service.config(settings.guild_id)
        now = self._service.clock.now()
        slot = due_recap(settings, config, now)
        if slot is None:
            return None
        # A read first: on its day the tick asks every minute, and only the first one posts.
        week = calendar.period_key(Period.WEEK, slot, config.timezone)
        if await self._service.store.recap_posted(config.guild_id, week):
            return None
        recap = await self.build(config, slot)

        async def claim(tx: StoreTx) -> bool:
            if not await tx.claim_recap(recap.guild_id, recap.week, now):
                return False
            if self._queued:
                platform, guild_id = self._service.platform, recap.guild_id
                delivery = NewDelivery(platform, guild_id, DeliveryKind.RECAP, None, now, now)
                await tx.add_delivery(delivery)
            return True

        if not await self._service.store.write(claim):
            return None
        if self._queued:
            self._service.engine.outbox_changed()
            return recap
        if self._publisher is None:
            return recap
        try:
            await self._publisher.post_recap(recap)
        except ChannelUnavailable as exc:
            log.warning("guild %s: weekly recap failed: %s", recap.guild_id, exc)
            await record_problem(self._service, recap.guild_id, f"Could not post the recap: {exc}")
            return None
        except BaseException:
            # Not the channel's fault (a network error, a stop): the next tick tries again.
            async def release(tx: StoreTx) -> None:
                await tx.release_recap(recap.guild_id, recap.week)

            await self._service.store.write(release)
            raise
        return recap

    async def _deliver(self, delivery: Delivery) -> None:
        """Post the recap a claim recorded, as it stands now (the week is over by then)."""
        assert self._publisher is not None
        settings = await settings_of(self._service, delivery.guild_id)
        config = await self._service.config(delivery.guild_id)
        # The slot the claim was made for; none when the recap was turned off or moved since.
        slot = due_recap(settings, config, delivery.created_at)
        if slot is None:
            log.info("guild %s: the recap was turned off or moved; not posted", config.guild_id)
            return
        await self._publisher.post_recap(await self.build(config, slot))
