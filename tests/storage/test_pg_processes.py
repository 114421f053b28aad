"""Several processes on one PostgreSQL database: each is a store and a service of its own."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.admin import GuildAdmin
from bot.core.errors import PostClosed
from bot.core.model import Member, PostView
from bot.core.service import QuizService
from bot.scheduling import OVERDUE_GRACE, TICK_JOB, QuizScheduler
from bot.storage.postgres import PostgresStore
from tests.conftest import CHANNEL, GUILD, shown_draw
from tests.databases import PostgresDatabase
from tests.fakes import FakeClock, RecordingPublisher, small_bank

ALICE = Member("u1", "Alice")
BERLIN = ZoneInfo("Europe/Berlin")


def right(view: PostView) -> int:
    correct = view.question.correct_index
    assert correct is not None
    return correct


@pytest.fixture
async def services(
    pg_database: PostgresDatabase, clock: FakeClock
) -> AsyncIterator[list[tuple[QuizService, RecordingPublisher]]]:
    """Three processes' services on the same database."""
    stores = [await PostgresStore.open(pg_database.url) for _ in range(3)]
    made = []
    for seed, store in enumerate(stores):
        publisher = RecordingPublisher()
        service = QuizService(
            bank=small_bank(),
            store=store,
            clock=clock,
            rng=random.Random(seed),
            platform="test",
            publisher=publisher,
            owner=f"process-{seed}",
        )
        made.append((service, publisher))
    yield made
    for store in stores:
        await store.close()


async def test_answers_in_one_process_race_a_reveal_in_another(
    services: list[tuple[QuizService, RecordingPublisher]], pg_database: PostgresDatabase
) -> None:
    (answering, _), (revealing, _), _ = services
    view = await shown_draw(answering, GUILD, CHANNEL, ALICE)
    post_id = view.post.post_id
    members = [Member(f"r{i}", f"Racer {i}") for i in range(400)]

    async def answer(member: Member) -> bool:
        await asyncio.sleep(random.random() / 50)  # spread the answers over the reveal
        try:
            await answering.answer(post_id, member, choice=right(view))
        except PostClosed:
            return False
        return True

    tasks = [asyncio.create_task(answer(m)) for m in members]
    await asyncio.sleep(0.01)
    revealed = await revealing.reveal(post_id)
    acked = sum(await asyncio.gather(*tasks))

    assert revealed is not None
    assert revealed.tally.answered == acked
    [(stored, graded)] = await pg_database.rows(
        "SELECT COUNT(*), COUNT(correct) FROM answers WHERE post_id = ?", post_id
    )
    [(answered,)] = await pg_database.rows(
        "SELECT COALESCE(SUM(answered), 0) FROM member_stats WHERE guild_id = ?", GUILD
    )
    assert stored == graded == answered == acked


async def test_processes_revealing_one_post_reveal_it_once(
    services: list[tuple[QuizService, RecordingPublisher]],
) -> None:
    (first, _), *_ = services
    view = await shown_draw(first, GUILD, CHANNEL, ALICE)
    await first.answer(view.post.post_id, ALICE, choice=right(view))

    results = await asyncio.gather(
        *(service.reveal(view.post.post_id) for service, _ in services for _ in range(3))
    )

    assert sum(result is not None for result in results) == 1
    # Every process's worker drains the outbox at once: the reveal's edit goes out once.
    await asyncio.gather(*(service.deliveries.run_due() for service, _ in services))
    assert sum(len(publisher.reveals) for _, publisher in services) == 1
    stats = await first.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.answered, stats.points) == (1, view.question.difficulty.points)


async def test_concurrent_reveals_in_one_guild_lose_no_points(
    services: list[tuple[QuizService, RecordingPublisher]],
) -> None:
    views = []
    for index, (service, _) in enumerate(services):
        views.append(await shown_draw(service, GUILD, f"{CHANNEL}-{index}", ALICE))
    for (service, _), view in zip(services, views, strict=True):
        await service.answer(view.post.post_id, ALICE, choice=right(view))

    await asyncio.gather(
        *(
            service.reveal(view.post.post_id)
            for (service, _), view in zip(services, views, strict=True)
        )
    )

    stats = await services[0][0].stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.answered == 3
    assert stats.points == sum(view.question.difficulty.points for view in views)


async def test_draws_racing_in_one_channel_open_one_post(
    services: list[tuple[QuizService, RecordingPublisher]],
) -> None:
    results = await asyncio.gather(
        *(service.draw(GUILD, CHANNEL, ALICE) for service, _ in services),
        return_exceptions=True,
    )
    opened = [r for r in results if isinstance(r, PostView)]
    refused = [r for r in results if not isinstance(r, PostView)]
    assert len(opened) == 1
    assert [type(r).__name__ for r in refused] == ["DrawAlreadyOpen", "DrawAlreadyOpen"]


async def test_an_overdue_reveal_is_leased_to_one_process_and_retaken_when_it_dies(
    services: list[tuple[QuizService, RecordingPublisher]], clock: FakeClock
) -> None:
    (owner, owner_publisher), (first, _), (second, _) = services
    view = await shown_draw(owner, GUILD, CHANNEL, ALICE)
    await owner.answer(view.post.post_id, ALICE, choice=right(view))
    grace, lease = timedelta(seconds=60), timedelta(seconds=120)

    clock.set(view.post.reveal_at + timedelta(seconds=30))
    assert await first.claim_overdue("first", grace=grace, lease=lease) == [], "within the grace"

    clock.set(view.post.reveal_at + timedelta(seconds=61))
    claims = await asyncio.gather(
        first.claim_overdue("first", grace=grace, lease=lease),
        second.claim_overdue("second", grace=grace, lease=lease),
    )
    assert sorted(len(claimed) for claimed in claims) == [0, 1]

    # The process holding the lease dies before revealing; once the lease runs out the
    # post is free again, and whoever takes it reveals it once.
    clock.advance(seconds=119)
    assert await second.claim_overdue("second", grace=grace, lease=lease) == []
    clock.advance(seconds=2)
    [retaken] = await second.claim_overdue("second", grace=grace, lease=lease)
    assert retaken.post_id == view.post.post_id
    assert await second.reveal(retaken.post_id) is not None
    assert await owner.reveal(view.post.post_id) is None
    clock.advance(seconds=600)
    assert await first.claim_overdue("first", grace=grace, lease=lease) == []
    stats = await owner.stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.answered == 1
    assert owner_publisher.reveals == []


async def test_a_sweeping_shard_reveals_another_shards_overdue_post_only(
    services: list[tuple[QuizService, RecordingPublisher]], clock: FakeClock
) -> None:
    (owner, _), (other, other_publisher), _ = services
    overdue = await shown_draw(owner, "11", "c-11", ALICE)
    clock.advance(seconds=30)
    fresh = await shown_draw(owner, "11", "c-12", ALICE)
    clock.set(overdue.post.reveal_at + OVERDUE_GRACE + timedelta(seconds=1))

    aps = AsyncIOScheduler(timezone=UTC)
    aps.start(paused=True)
    sweeper = QuizScheduler(other, aps, owns_guild=lambda g: False, sweep_as="other")
    try:
        await sweeper.start()
        assert TICK_JOB in {job.id for job in aps.get_jobs()}
        # The ticker's sweep takes the post over; its reveal edit is delivered as usual.
        await sweeper.tick()
        await sweeper.deliver_due()
    finally:
        await sweeper.shutdown()

    assert [view.post.post_id for view in other_publisher.reveals] == [overdue.post.post_id]
    assert (await other.post(fresh.post.post_id)).is_open


async def test_tickers_of_several_processes_post_one_daily(
    services: list[tuple[QuizService, RecordingPublisher]],
    clock: FakeClock,
    pg_database: PostgresDatabase,
) -> None:
    (first, _), *_ = services
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN))
    await GuildAdmin(first).setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    clock.set(datetime(2026, 11, 24, 9, 0, 30, tzinfo=BERLIN))

    # Each process's ticker (and an admin's postnow) finds the guild due at the same moment.
    posted = await asyncio.gather(
        *(service.post_scheduled(GUILD) for service, _ in services),
        first.post_daily(GUILD),
    )
    await asyncio.gather(*(service.deliveries.run_due() for service, _ in services))

    assert sum(result is not None for result in posted) == 1
    assert await pg_database.rows("SELECT COUNT(*) FROM posts WHERE kind = 'daily'") == [(1,)]
    assert sum(len(publisher.published) for _, publisher in services) == 1, "shown once"
