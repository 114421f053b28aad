"""`quizbot forget`: delete every row about one member of one guild, from the shell."""

from __future__ import annotations

import random
from pathlib import Path

from bot.core.bank import QuestionBank
from bot.core.learning_model import Footprint
from bot.core.model import Member
from bot.core.moderation import Moderation
from bot.core.ports import Clock
from bot.core.service import QuizService
from bot.storage.factory import open_store

# Who the audit log names for an action taken from the shell.
SHELL = Member("shell", "quizbot forget (shell)")


async def forget(
    db: str | Path, guild_id: str, member_id: str, *, confirmed: bool, clock: Clock
) -> tuple[Footprint, bool]:
    """The member's rows in the guild, deleted (True) when `confirmed`, else only counted."""
    store = await open_store(db)
    try:
        # Forgetting needs no questions: the same use case the chat admins run, on no pack.
        service = QuizService(
            bank=QuestionBank([]),
            store=store,
            clock=clock,
            rng=random.Random(),
            platform="shell",
        )
        moderation = Moderation(service)
        found = await moderation.footprint(guild_id, member_id)
        if not confirmed or found.total == 0:
            return found, False
        return await moderation.forget(guild_id, Member(member_id, member_id), by=SHELL), True
    finally:
        await store.close()
