"""The community features of one platform, wired to the quiz service: start, tick, reveal."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from bot.core.community_admin import CommunityAdmin
from bot.core.community_ports import CommunityPublisher
from bot.core.community_settings import record_problem, settings_of
from bot.core.errors import ChannelUnavailable
from bot.core.model import DeliveryKind, Post, PostKind, RevealView
from bot.core.ports import NewDelivery, StoreTx
from bot.core.questions import Question
from bot.core.recap import Recaps
from bot.core.rewards import Rewards
from bot.core.service import QuizService
from bot.core.suggestions import Suggestions

log = logging.getLogger(__name__)

MAX_THREAD_NAME = 100


def discussion_title(question: Question, limit: int = MAX_THREAD_NAME) -> str:
    """ "Discuss: " and the prompt's first line of prose, without markup, clipped to `limit`."""
    lines = [line.strip() for line in question.prompt.splitlines()]
    prose = next((line for line in lines if line and not line.startswith("```")), question.id)
    text = " ".join(re.sub(r"[*_`~|>#]", "", prose).split()) or question.id
    title = f"Discuss: {text}"
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


class Community:
    """Suggestions, weekly recaps, discussion threads and role rewards over one service.

    Creating it registers its reveal listener on the service; `start()` loads the approved
    suggestions (before any post that may use one is delivered or revealed), `tick()`
    (every minute) posts due recaps, awards months and retries role changes.
    """

    def __init__(self, service: QuizService, publisher: CommunityPublisher | None = None) -> None:
        self.service = service
        self.publisher = publisher
        self.suggestions = Suggestions(service, publisher)
        self.recaps = Recaps(service, publisher)
        self.rewards = Rewards(service, publisher)
        self.admin = CommunityAdmin(service)
        service.reveal_listeners.append(self.after_reveal)
        engine = service.engine
        if engine.delivers and publisher is not None:
            engine.reveal_effects.append(self._record_discussion)
            engine.performers[DeliveryKind.DISCUSSION] = self._open_discussion

    async def start(self) -> None:
        """Serve the approved suggestions (one read; the first tick catches up the rest)."""
        count = await self.suggestions.load()
        log.debug("serving %d approved suggestions", count)

    async def tick(self) -> None:
        """Post due recaps, award finished months, then make due role changes."""
        for settings in await self.service.store.community_guilds(self.service.platform):
            await self.recaps.run_due(settings)
            await self.rewards.award_month(settings)
        await self.rewards.drain()

    async def after_reveal(self, view: RevealView) -> None:
        """After a public reveal: open the daily's discussion, move the streak role."""
        if view.post.kind is not PostKind.DAILY:
            return
        settings = await settings_of(self.service, view.post.guild_id)
        inline = self.publisher is not None and not self.service.engine.delivers
        if settings.threads_on and inline and view.post.message_id:
            # An engine without a platform publisher has no outbox: open it right away.
            try:
                await self._open_discussion(view)
            except ChannelUnavailable as exc:
                log.warning("guild %s: discussion failed: %s", view.post.guild_id, exc)
                await record_problem(
                    self.service, view.post.guild_id, f"Could not open the discussion: {exc}"
                )
        if settings.streak_role_id is not None:
            await self.rewards.reconcile_streak(view.post.guild_id)

    async def _record_discussion(self, tx: StoreTx, post: Post, now: datetime) -> None:
        """Inside a daily's reveal: record its discussion as a delivery, when threads are on."""
        if post.kind is not PostKind.DAILY:
            return
        settings = await tx.community_settings(post.guild_id)
        if settings is not None and settings.threads_on:
            await tx.add_delivery(
                NewDelivery(
                    self.service.platform,
                    post.guild_id,
                    DeliveryKind.DISCUSSION,
                    post.post_id,
                    now,
                    now,
                )
            )

    async def _open_discussion(self, view: RevealView) -> None:
        assert self.publisher is not None
        await self.publisher.open_discussion(view, discussion_title(view.question))
