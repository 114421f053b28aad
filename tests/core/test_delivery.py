"""The outbox: platform effects recorded with their state change and performed until done."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.admin import GuildAdmin
from bot.core.delivering import Result, backoff
from bot.core.errors import DeliveryFailed, DeliveryPending
from bot.core.model import Member, PostView
from bot.core.service import QuizService
from tests.conftest import CHANNEL, GUILD, delivered_daily, shown_draw
from tests.databases import Database
from tests.fakes import FakeClock, RecordingPublisher, small_bank

BERLIN = ZoneInfo("Europe/Berlin")
ALICE = Member("u1", "Alice")


def right(view: PostView) -> int:
    assert view.question.correct_index is not None
    return view.question.correct_index


async def deliveries(database: Database) -> list[tuple[Any, ...]]:
    return await database.rows(
        "SELECT kind, status, attempts, last_error FROM deliveries ORDER BY delivery_id"
    )


async def test_a_reveal_edit_that_fails_is_retried_until_shown(
    service: QuizService, publisher: RecordingPublisher, clock: FakeClock, database: Database
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    publisher.down = True
    assert await service.reveal(view.post.post_id) is not None
    assert await service.deliveries.run_due() == 1
    assert publisher.reveals == []
    assert await service.store.next_delivery_at("test") == clock.now() + backoff(0)

    publisher.down = False
    assert await service.deliveries.run_due() == 0, "not before its backoff"
    clock.advance(seconds=5)
    assert await service.deliveries.run_due() == 1
    assert [r.post.post_id for r in publisher.reveals] == [view.post.post_id]
    assert (await deliveries(database))[-1] == ("reveal", "done", 2, "503 Service Unavailable")


async def test_the_reveal_edit_survives_a_stop_between_commit_and_edit(
    database: Database, clock: FakeClock
) -> None:
    first = await database.open()
    before = RecordingPublisher()
    service = QuizService(
        bank=small_bank(), store=first, clock=clock, rng=random.Random(1), platform="t",
        publisher=before,
    )  # fmt: skip
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    await service.reveal(view.post.post_id)  # committed; the process dies before the edit
    await first.close()
    assert before.reveals == []

    second = await database.open()
    after = RecordingPublisher()
    try:
        restarted = QuizService(
            bank=small_bank(), store=second, clock=clock, rng=random.Random(2), platform="t",
            publisher=after,
        )  # fmt: skip
        await restarted.deliveries.run_due()
        assert [r.post.post_id for r in after.reveals] == [view.post.post_id]
        assert after.reveals[0].post.message_id == f"msg-{view.post.post_id}"
    finally:
        await second.close()


async def test_a_refused_reveal_gives_up_and_tells_the_admins(
    service: QuizService, admin: GuildAdmin, publisher: RecordingPublisher, database: Database
) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    publisher.failing.add(CHANNEL)
    await service.reveal(view.post.post_id)
    await service.deliveries.run_due()
    status = await admin.status(GUILD)
    assert status.config.last_error == "Could not show a reveal: Missing Permissions (403)"
    assert (await deliveries(database))[-1][:2] == ("reveal", "failed")
    assert await service.deliveries.run_due() == 0, "given up: not retried"


async def test_a_rate_limit_is_waited_out_as_the_platform_asks(
    service: QuizService, publisher: RecordingPublisher, clock: FakeClock
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    publisher.down, publisher.retry_after = True, 120.0
    await service.reveal(view.post.post_id)
    await service.deliveries.run_due()
    assert await service.store.next_delivery_at("test") == clock.now() + timedelta(seconds=120)
    publisher.down = False
    clock.advance(seconds=119)
    assert await service.deliveries.run_due() == 0
    clock.advance(seconds=1)
    assert await service.deliveries.run_due() == 1
    assert len(publisher.reveals) == 1


def test_backoff_doubles_up_to_a_ceiling() -> None:
    waits = [backoff(n).total_seconds() for n in range(10)]
    assert waits[:5] == [5, 10, 20, 40, 80]
    assert waits[-1] == 900


async def setup_daily(admin: GuildAdmin, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN))
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")


async def answer_right_and_reveal(
    service: QuizService, clock: FakeClock, view: PostView, *, within: timedelta
) -> None:
    await service.answer(view.post.post_id, ALICE, choice=right(view))
    post = await service.post(view.post.post_id)
    assert post.reveal_at - clock.now() == within
    clock.set(post.reveal_at)
    assert await service.reveal(view.post.post_id) is not None
    await service.deliveries.run_due()


async def test_a_daily_that_never_reached_its_channel_does_not_break_streaks(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    await setup_daily(admin, clock)
    for day, reachable in enumerate([True, False, True]):
        clock.set(datetime(2026, 11, 24 + day, 9, 0, tzinfo=BERLIN))
        publisher.down = not reachable
        view = await delivered_daily(service, GUILD)
        assert view is not None
        if reachable:
            await answer_right_and_reveal(service, clock, view, within=timedelta(hours=8))
            continue
        # Retried all day long, then given up when the day ends: it counts for nothing.
        while clock.now() < datetime(2026, 11, 26, 0, 0, tzinfo=BERLIN):
            clock.advance(minutes=15)
            await service.deliveries.run_due()
        post = await service.post(view.post.post_id)
        assert post.voided_at is not None
        last_error = (await service.config(GUILD)).last_error
        assert last_error is not None
        assert last_error.startswith("Could not post the daily question: its day ended first")
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.streak, stats.best_streak) == (2, 2)


async def test_a_daily_shown_late_gets_its_whole_window_and_counts(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    await setup_daily(admin, clock)
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN))
    first = await delivered_daily(service, GUILD)
    assert first is not None
    await answer_right_and_reveal(service, clock, first, within=timedelta(hours=8))

    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN))
    # Posted by the ticker, then the process stops before showing it; back two hours later.
    assert await service.post_scheduled(GUILD) is not None
    clock.advance(hours=2)
    await service.deliveries.run_due()
    late = publisher.published[-1]
    assert late.post.reveal_at == clock.now() + timedelta(hours=8), "the message says so too"
    await answer_right_and_reveal(service, clock, late, within=timedelta(hours=8))
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.streak == 2


async def test_a_lost_answer_is_found_rather_than_posted_again(
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
    database: Database,
) -> None:
    await setup_daily(admin, clock)
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN))
    publisher.lose = 1
    view = await delivered_daily(service, GUILD)
    assert view is not None
    assert not view.post.is_delivered
    clock.advance(seconds=5)
    await service.deliveries.run_due()
    assert len(publisher.published) == 1
    assert [a.number for a in publisher.attempts] == [1, 2]
    assert (await service.post(view.post.post_id)).message_id == f"msg-{view.post.post_id}"
    assert (await deliveries(database)) == [("post", "done", 2, "the answer was lost")]


async def test_postnow_tells_the_truth_through_an_outage(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    await setup_daily(admin, clock)
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=BERLIN))
    publisher.down = True
    with pytest.raises(DeliveryPending, match="saved, but the platform did not take it"):
        await admin.post_now(GUILD)
    with pytest.raises(DeliveryPending, match="saved but not shown yet"):
        await admin.post_now(GUILD)
    assert publisher.published == []
    publisher.down = False
    clock.advance(seconds=5)
    await service.deliveries.run_due()
    assert len(publisher.published) == 1
    assert await admin.post_now(GUILD) is None, "now it is really out"


async def test_postnow_into_a_refused_channel_can_be_retried_once_fixed(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    await setup_daily(admin, clock)
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=BERLIN))
    publisher.failing.add(CHANNEL)
    with pytest.raises(DeliveryFailed, match="Missing Permissions"):
        await admin.post_now(GUILD)
    publisher.failing.clear()
    posted = await admin.post_now(GUILD)
    assert posted is not None
    assert posted.post.is_delivered
    assert len(publisher.published) == 1


@pytest.mark.parametrize("shown", [True, False])
async def test_a_draw_whose_handler_died_is_found_or_given_up(
    service: QuizService, clock: FakeClock, publisher: RecordingPublisher, shown: bool
) -> None:
    view = await service.draw(GUILD, CHANNEL, ALICE)
    if shown:  # the interaction answered, but the handler died before recording it
        publisher.published.append(view)
    await service.deliveries.run_due()
    assert (await service.post(view.post.post_id)).is_open, "its handler holds it meanwhile"
    clock.advance(minutes=2)
    await service.deliveries.run_due()
    post = await service.post(view.post.post_id)
    if shown:
        assert post.message_id == f"msg-{view.post.post_id}"
        assert post.is_open
    else:
        assert post.voided_at is not None
        assert (await service.draw(GUILD, CHANNEL, ALICE)).post.is_open, "the channel is free"
    assert (await service.config(GUILD)).last_error is None, "nothing for admins to fix"


async def test_deliveries_resume_after_a_restart_without_waiting_for_the_lease(
    database: Database, clock: FakeClock
) -> None:
    first = await database.open()
    service = QuizService(
        bank=small_bank(), store=first, clock=clock, rng=random.Random(1), platform="t",
        publisher=RecordingPublisher(),
    )  # fmt: skip
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    await service.reveal(view.post.post_id)
    [claimed] = await service.deliveries.claim_due()  # the worker took it, then died
    await first.close()

    second = await database.open()
    publisher = RecordingPublisher()
    try:
        restarted = QuizService(
            bank=small_bank(), store=second, clock=clock, rng=random.Random(2), platform="t",
            publisher=publisher,
        )  # fmt: skip
        assert await restarted.deliveries.claim_due() == [], "held by the dead run's lease"
        assert await restarted.deliveries.release_claims() == 1
        [again] = await restarted.deliveries.claim_due()
        assert again.delivery_id == claimed.delivery_id
        assert (await restarted.deliveries.perform(again)).result is Result.DELIVERED
        assert len(publisher.reveals) == 1
    finally:
        await second.close()


async def test_each_post_and_reveal_logs_one_info_line(
    service: QuizService, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await GuildAdmin(service).setup(GUILD, CHANNEL, "09:00", "UTC")
    clock.set(clock.now().replace(hour=9, minute=0) + timedelta(days=1))
    caplog.set_level("INFO", logger="bot.core.delivering")
    daily = await delivered_daily(service, GUILD)
    assert daily is not None
    clock.set(daily.post.reveal_at)
    await service.reveal(daily.post.post_id)
    await service.deliveries.run_due()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.core.delivering"]
    question = daily.question.id
    assert lines == [
        f"guild {GUILD}: daily post {daily.post.post_id} (question {question}) posted",
        f"guild {GUILD}: daily post {daily.post.post_id} (question {question}) revealed: "
        "0 answered, 0 correct",
    ]
