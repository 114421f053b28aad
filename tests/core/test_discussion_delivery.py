"""A daily's discussion thread is a delivery recorded with its reveal: never lost, never twice."""

from __future__ import annotations

import random
from typing import Any

from bot.core.admin import GuildAdmin
from bot.core.community import Community
from bot.core.model import Member
from bot.core.service import QuizService
from tests.community_fakes import RecordingCommunityPublisher
from tests.conftest import CHANNEL, GUILD, delivered_daily, shown_draw
from tests.databases import Database
from tests.fakes import FakeClock, RecordingPublisher, small_bank

ALICE = Member("u1", "Alice")


def service_on(store: Any, clock: FakeClock) -> tuple[QuizService, Community]:
    service = QuizService(
        bank=small_bank(), store=store, clock=clock, rng=random.Random(3), platform="test",
        publisher=RecordingPublisher(),
    )  # fmt: skip
    return service, Community(service, RecordingCommunityPublisher())


def recorded(community: Community) -> RecordingCommunityPublisher:
    assert isinstance(community.publisher, RecordingCommunityPublisher)
    return community.publisher


async def threads_on(community: Community) -> None:
    await GuildAdmin(community.service).setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    await community.admin.set_threads(GUILD, on="on")


async def discussion_rows(database: Database) -> list[tuple[Any, ...]]:
    return await database.rows(
        "SELECT status, attempts, last_error FROM deliveries WHERE kind = 'discussion'"
    )


async def test_a_stop_between_the_reveal_and_its_thread_loses_no_thread(
    database: Database, clock: FakeClock
) -> None:
    first = await database.open()
    try:
        service, community = service_on(first, clock)
        await threads_on(community)
        daily = await delivered_daily(service, GUILD)
        assert daily is not None
        await service.reveal(daily.post.post_id)  # committed; the process dies now
        assert await discussion_rows(database) == [("pending", 0, None)]
    finally:
        await first.close()

    second = await database.open()
    try:
        restarted, community = service_on(second, clock)
        discussions = recorded(community)
        await restarted.deliveries.run_due()
        [(view, title)] = discussions.discussions
        assert view.post.post_id == daily.post.post_id
        assert view.post.revealed_at is not None
        assert title.startswith("Discuss: ")
        await restarted.deliveries.run_due()
        assert len(discussions.discussions) == 1, "opened once"
        assert await discussion_rows(database) == [("done", 1, None)]
    finally:
        await second.close()


async def test_an_outage_is_retried_and_a_refusal_shows_in_status(
    service: QuizService, clock: FakeClock, database: Database
) -> None:
    community = Community(service, RecordingCommunityPublisher())
    discussions = recorded(community)
    await threads_on(community)
    daily = await delivered_daily(service, GUILD)
    assert daily is not None
    discussions.down = True
    await service.reveal(daily.post.post_id)
    await service.deliveries.run_due()
    assert discussions.discussions == []
    assert await discussion_rows(database) == [("pending", 1, "503 Service Unavailable")]

    discussions.down = False
    clock.advance(seconds=5)  # the first backoff
    await service.deliveries.run_due()
    assert [view.post.post_id for view, _ in discussions.discussions] == [daily.post.post_id]
    assert (await service.config(GUILD)).last_error is None

    discussions.failing_channels.add(CHANNEL)
    clock.advance(days=1)
    tomorrow = await delivered_daily(service, GUILD)
    assert tomorrow is not None
    await service.reveal(tomorrow.post.post_id)
    await service.deliveries.run_due()
    assert len(discussions.discussions) == 1
    config = await service.config(GUILD)
    assert config.last_error == "Could not open the discussion: Missing Permissions (403)"


async def test_only_daily_reveals_with_threads_on_get_a_discussion(
    service: QuizService, clock: FakeClock, database: Database
) -> None:
    community = Community(service, RecordingCommunityPublisher())
    await threads_on(community)
    draw = await shown_draw(service, GUILD, CHANNEL, ALICE)
    await service.reveal(draw.post.post_id)
    await community.admin.set_threads(GUILD, on="off")
    daily = await delivered_daily(service, GUILD)
    assert daily is not None
    await service.reveal(daily.post.post_id)
    await service.deliveries.run_due()
    assert recorded(community).discussions == []
    assert await discussion_rows(database) == []
