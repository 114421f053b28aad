"""Role rewards: a role for a streak of N, and one for the month's top scorer.

Who should hold a role is derived from the stats; who does is recorded in the store. The
difference becomes queued role changes, made in the background with retries, so that a
slow or refusing platform never holds up answering or revealing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime, timedelta

from bot.core import calendar
from bot.core.community_model import CommunitySettings, RewardKind, RoleChange
from bot.core.community_ports import CommunityPublisher, RoleChangeFailed
from bot.core.community_settings import change_settings, record_problem, settings_of
from bot.core.errors import InvalidInput
from bot.core.model import Member
from bot.core.ports import StoreTx
from bot.core.service import QuizService

log = logging.getLogger(__name__)

MAX_STREAK_LENGTH = 365
MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(seconds=30)


def previous_month(now: datetime, timezone: str) -> str:
    """The month before the current local one, as its points bucket ('2026-11')."""
    last = calendar.local_date(now, timezone).replace(day=1) - timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


def retry_delay(attempts: int) -> timedelta:
    """Backoff before the next try: 30 s, 1 min, 2 min ... doubling."""
    factor: int = 2 ** max(attempts - 1, 0)
    return RETRY_BASE * factor


def plan_changes(
    held: dict[str, str], desired: set[str], role_id: str | None
) -> tuple[dict[str, str], list[tuple[str, str, bool]]]:
    """The new holders and the (member, role, add) changes that get there.

    A holder keeps the role while still desired; a role changed by the admin is taken
    back and the new one given; with no role (the reward turned off) everyone loses it.
    """
    keep = {m: r for m, r in held.items() if role_id is not None and m in desired and r == role_id}
    changes = [(m, r, False) for m, r in sorted(held.items()) if keep.get(m) != r]
    if role_id is not None:
        for member in sorted(desired - keep.keys()):
            changes.append((member, role_id, True))
            keep[member] = role_id
    return keep, changes


class Rewards:
    """Reward settings, reconciliation and the role-change queue of one platform."""

    def __init__(self, service: QuizService, publisher: CommunityPublisher | None = None) -> None:
        self._service = service
        self._publisher = publisher
        self._draining = asyncio.Lock()
        self._background: set[asyncio.Task[int]] = set()

    # -- settings -------------------------------------------------------------

    async def set_streak(
        self, guild_id: str, length: int, role_id: str, *, by: Member | None = None
    ) -> CommunitySettings:
        """Give `role_id` to members whose streak reaches `length`, from now on."""
        if not 1 <= length <= MAX_STREAK_LENGTH:
            raise InvalidInput(f"A streak reward needs a length from 1 to {MAX_STREAK_LENGTH}.")
        settings = await change_settings(
            self._service, guild_id, by, "rewards", streak_role_id=role_id, streak_length=length
        )
        await self.reconcile_streak(guild_id)
        return settings

    async def set_monthly(
        self, guild_id: str, role_id: str, *, by: Member | None = None
    ) -> CommunitySettings:
        """Give `role_id` to each month's top scorer, first at the end of this month."""
        config = await self._service.config(guild_id)
        done = previous_month(self._service.clock.now(), config.timezone)
        return await change_settings(
            self._service, guild_id, by, "rewards", monthly_role_id=role_id, monthly_done=done
        )

    async def clear(
        self, guild_id: str, kind: RewardKind, *, by: Member | None = None
    ) -> CommunitySettings:
        """Turn a reward off; the members holding its role lose it."""
        if kind is RewardKind.STREAK:
            changes: dict[str, object] = {"streak_role_id": None, "streak_length": None}
        else:
            changes = {"monthly_role_id": None}
        settings = await change_settings(self._service, guild_id, by, "rewards", **changes)

        async def job(tx: StoreTx) -> int:
            return await self._reconcile(tx, guild_id, kind, None, set())

        if await self._service.store.write(job):
            self.kick()
        return settings

    # -- reconciling ----------------------------------------------------------

    async def reconcile_streak(self, guild_id: str) -> int:
        """Queue the role changes that make the streak role follow current streaks."""
        settings = await settings_of(self._service, guild_id)
        role, length = settings.streak_role_id, settings.streak_length
        desired: set[str] = set()
        if role is not None and length is not None:
            seq = await self._service.store.last_revealed_seq(guild_id)
            desired = set(await self._service.store.members_on_streak(guild_id, seq, length))

        async def job(tx: StoreTx) -> int:
            return await self._reconcile(tx, guild_id, RewardKind.STREAK, role, desired)

        queued = await self._service.store.write(job)
        if queued:
            self.kick()
        return queued

    async def award_month(self, settings: CommunitySettings) -> bool:
        """At a local month's end, give the month's top scorer(s) the role, take last month's."""
        role = settings.monthly_role_id
        if role is None:
            return False
        config = await self._service.config(settings.guild_id)
        month = previous_month(self._service.clock.now(), config.timezone)
        if settings.monthly_done is not None and settings.monthly_done >= month:
            return False
        winners = set(await self._service.store.top_scorers(settings.guild_id, month))

        async def job(tx: StoreTx) -> bool:
            current = await tx.community_settings(settings.guild_id)
            if current is None or current.monthly_role_id != role:
                return False
            if current.monthly_done is not None and current.monthly_done >= month:
                return False
            await self._reconcile(tx, settings.guild_id, RewardKind.MONTHLY, role, winners)
            await tx.save_community_settings(dataclasses.replace(current, monthly_done=month))
            return True

        awarded = await self._service.store.write(job)
        if awarded:
            log.info("guild %s: monthly reward for %s to %s", settings.guild_id, month, winners)
            self.kick()
        return awarded

    async def _reconcile(
        self,
        tx: StoreTx,
        guild_id: str,
        kind: RewardKind,
        role_id: str | None,
        desired: set[str],
    ) -> int:
        held = await tx.reward_holders(guild_id, kind)
        holders, changes = plan_changes(held, desired, role_id)
        if changes:
            await tx.set_reward_holders(guild_id, kind, holders)
            now = self._service.clock.now()
            await tx.enqueue_role_changes(guild_id, self._service.platform, changes, now)
        return len(changes)

    # -- the queue ------------------------------------------------------------

    def kick(self) -> None:
        """Make the queued role changes now, in the background."""
        task = asyncio.create_task(self.drain(), name="quizbot-role-changes")
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[int]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("role changes failed", exc_info=task.exception())

    async def idle(self) -> None:
        """Wait until background role changes have run (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def drain(self) -> int:
        """Make every due role change once; failures are retried with backoff. How many ran."""
        if self._publisher is None:
            return 0
        async with self._draining:
            now = self._service.clock.now()
            due = await self._service.store.due_role_changes(self._service.platform, now)
            for change in due:
                await self._apply(change)
            return len(due)

    async def _apply(self, change: RoleChange) -> None:
        assert self._publisher is not None
        error: str | None = None
        retry = False
        try:
            await self._publisher.change_role(
                change.guild_id, change.member_id, change.role_id, change.add
            )
        except RoleChangeFailed as exc:
            error, retry = str(exc), exc.retry and change.attempts + 1 < MAX_ATTEMPTS
        now = self._service.clock.now()

        async def job(tx: StoreTx) -> None:
            if retry:
                assert error is not None
                await tx.retry_role_change(
                    change.change_id, now + retry_delay(change.attempts + 1), error
                )
            else:
                await tx.finish_role_change(change.change_id, now, error)

        await self._service.store.write(job)
        if error is not None and not retry:
            verb = "give" if change.add else "take back"
            log.warning("guild %s: role change gave up: %s", change.guild_id, error)
            await record_problem(
                self._service, change.guild_id, f"Could not {verb} a reward role: {error}"
            )
