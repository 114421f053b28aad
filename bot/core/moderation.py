"""Admin moderation: reset, exclude, include and forget a member, and the self-grade rule.

Each action and its audit row commit in one transaction.
"""

from __future__ import annotations

from enum import StrEnum

from bot.core import audit
from bot.core.errors import InvalidInput
from bot.core.learning_model import Footprint
from bot.core.model import Member
from bot.core.ports import StoreTx
from bot.core.service import QuizService
from bot.core.text import echo


class MemberAction(StrEnum):
    """What an admin can do to a member."""

    RESET = "reset"
    EXCLUDE = "exclude"
    INCLUDE = "include"
    FORGET = "forget"


def parse_action(text: str) -> MemberAction:
    """A member action from its word, or a clear refusal."""
    try:
        return MemberAction(text.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"{echo(text)} is not a member action: use reset, exclude, include or forget."
        ) from None


def parse_switch(text: str) -> bool:
    """`on` or `off` (also yes/no, true/false)."""
    word = text.strip().lower()
    if word in ("on", "yes", "true"):
        return True
    if word in ("off", "no", "false"):
        return False
    raise InvalidInput(f"{echo(text)} is neither on nor off.")


class Moderation:
    """Member moderation for one platform, on top of the service."""

    def __init__(self, service: QuizService) -> None:
        self._service = service

    async def set_selfgrade(self, guild_id: str, on: bool, *, by: Member) -> bool:
        """Let self-graded (open) answers score points and streaks, or not (the default)."""
        now = self._service.clock.now()

        async def job(tx: StoreTx) -> None:
            await tx.set_selfgrade_scores(guild_id, on)
            detail = "self-graded answers score" if on else "self-graded answers do not score"
            await audit.record(tx, guild_id, by, "selfgrade", detail, at=now)

        await self._service.store.write(job)
        return on

    async def selfgrade(self, guild_id: str) -> bool:
        """True when self-graded answers score in the guild."""
        return await self._service.store.selfgrade_scores(guild_id)

    async def apply(
        self, guild_id: str, action: MemberAction, target: Member, *, by: Member
    ) -> str:
        """Reset, exclude or include a member; the sentence that tells the admin what happened.

        `forget` is refused here: it deletes everything and goes through `forget()` after
        the admin confirmed.
        """
        if action is MemberAction.FORGET:
            raise InvalidInput("Forgetting a member needs a confirmation: use forget().")
        now = self._service.clock.now()
        name = target.name

        async def job(tx: StoreTx) -> str:
            if action is MemberAction.RESET:
                had = await tx.reset_member(guild_id, target.id)
                message = (
                    f"{name}'s points, streaks and savers are reset."
                    if had
                    else f"{name} has no points or streaks here; nothing to reset."
                )
                detail = "points, streaks and savers reset"
            elif action is MemberAction.EXCLUDE:
                changed = await tx.set_excluded(guild_id, target.id, now)
                dropped = await tx.drop_open_answers(guild_id, target.id)
                message = (
                    f"{name} is excluded: their answers are refused and they are off the "
                    "boards until you include them again."
                    if changed
                    else f"{name} is already excluded."
                )
                detail = f"excluded ({dropped} open answer(s) dropped)"
            else:
                changed = await tx.set_excluded(guild_id, target.id, None)
                message = f"{name} is included again." if changed else f"{name} was not excluded."
                detail = "included"
            await audit.record(
                tx, guild_id, by, action.value, f"{name}: {detail}", at=now, target_id=target.id
            )
            return message

        message = await self._service.store.write(job)
        self._service.hooks.exclusions_changed(guild_id)
        return message

    async def footprint(self, guild_id: str, member_id: str) -> Footprint:
        """What `forget` would delete."""
        return await self._service.store.footprint(guild_id, member_id)

    async def forget(self, guild_id: str, target: Member, *, by: Member) -> Footprint:
        """Delete every row about a member in the guild (the caller has confirmed)."""
        now = self._service.clock.now()

        async def job(tx: StoreTx) -> Footprint:
            deleted = await tx.forget_member(guild_id, target.id)
            # Written after the deletion, which redacts the log's older rows about them.
            await audit.record(
                tx, guild_id, by, "forget", f"a member: {deleted.total} row(s) deleted", at=now
            )
            return deleted

        deleted = await self._service.store.write(job)
        self._service.hooks.exclusions_changed(guild_id)
        return deleted


def describe(footprint: Footprint) -> str:
    """What a footprint holds, for a confirmation prompt or a receipt."""
    return (
        f"{footprint.answers} answer(s), {footprint.stats} stats row(s), "
        f"{footprint.cards} review card(s), {footprint.savers} saver row(s) and "
        f"{footprint.other} other row(s)"
    )
