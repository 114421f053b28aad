"""The APScheduler wiring, driven by a controllable clock: jobs fire when their triggers say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.admin import GuildAdmin
from bot.core.model import Member
from bot.core.questions import Difficulty
from bot.core.reviewing import Reviews
from bot.core.service import QuizService
from bot.scheduling import (
    DAILY_GRACE_S,
    REMINDERS_GRACE_S,
    QuizScheduler,
    daily_job_id,
    reminders_job_id,
    reveal_job_id,
)
from tests.conftest import CHANNEL, GUILD
from tests.fakes import FakeClock, RecordingNotifier, RecordingPublisher

BERLIN = ZoneInfo("Europe/Berlin")
ALICE = Member("u1", "Alice")


@pytest.fixture
async def scheduler(service: QuizService) -> AsyncIterator[QuizScheduler]:
    """A QuizScheduler whose APScheduler runs but whose jobs we fire by hand."""
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start(paused=True)
    yield QuizScheduler(service, aps)
    aps.shutdown(wait=False)


def job(scheduler: QuizScheduler, job_id: str) -> Job:
    found = scheduler.scheduler.get_job(job_id)
    assert found is not None, job_id
    return found


async def fire(scheduler: QuizScheduler, clock: FakeClock, job_id: str) -> None:
    """Move the clock to the job's next fire time and run it as APScheduler would."""
    found = job(scheduler, job_id)
    when = found.trigger.get_next_fire_time(None, clock.now())
    assert when is not None
    clock.set(when)
    await found.func(*found.args)


async def test_daily_job_follows_local_time_across_dst(
    scheduler: QuizScheduler, admin: GuildAdmin, clock: FakeClock
) -> None:
    config = await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    config = await admin.set_days(GUILD, "mon-fri")
    scheduler.schedule_daily(config)
    daily = job(scheduler, daily_job_id(GUILD))
    assert daily.misfire_grace_time == DAILY_GRACE_S
    assert daily.coalesce is True
    friday_before_dst = datetime(2026, 3, 27, 10, 0, tzinfo=BERLIN)
    monday_after = daily.trigger.get_next_fire_time(None, friday_before_dst)
    assert monday_after == datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)
    assert monday_after.astimezone(UTC).hour == 7


async def test_three_days_of_daily_posts_and_streaks(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
) -> None:
    scheduler_admin = GuildAdmin(service, on_change=scheduler.schedule_daily)
    await scheduler_admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN))  # Monday noon: today's slot is gone
    for day in range(3):
        await fire(scheduler, clock, daily_job_id(GUILD))
        view = publisher.published[-1]
        assert clock.now().astimezone(BERLIN) == datetime(2026, 11, 24 + day, 9, 0, tzinfo=BERLIN)
        correct = view.question.correct_index
        assert correct is not None
        await service.answer(view.post.post_id, ALICE, choice=correct)
        reveal = job(scheduler, reveal_job_id(view.post.post_id))
        assert reveal.misfire_grace_time is None, "a reveal runs however late it is"
        await fire(scheduler, clock, reveal_job_id(view.post.post_id))
        assert clock.now() - view.post.posted_at == timedelta(hours=8)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.streak, stats.best_streak, stats.points) == (
        3,
        3,
        sum(v.question.difficulty.points for v in publisher.published),
    )
    assert len(publisher.reveals) == 3


async def test_start_rebuilds_jobs_reveals_overdue_and_posts_late_the_same_day(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN))
    draw = await service.draw(GUILD, "other", ALICE)
    # The bot was down from 08:00 until 15:00: the draw is overdue, today's daily missed.
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=BERLIN))
    await scheduler.start()

    assert [p.post.kind.value for p in publisher.published] == ["daily"]
    overdue = job(scheduler, reveal_job_id(draw.post.post_id))
    assert overdue.trigger.run_date == clock.now()
    assert job(scheduler, daily_job_id(GUILD)) is not None

    await scheduler.start()  # a second start posts nothing twice
    assert len(publisher.published) == 1


async def test_a_missed_daily_from_yesterday_is_skipped(
    scheduler: QuizScheduler, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    await admin.setup(GUILD, CHANNEL, "23:00", "Europe/Berlin")
    clock.set(datetime(2026, 11, 24, 0, 30, tzinfo=BERLIN))  # yesterday's 23:00 was missed
    await scheduler.start()
    assert publisher.published == []


async def test_paused_guild_has_no_daily_job(
    scheduler: QuizScheduler, service: QuizService
) -> None:
    admin = GuildAdmin(service, on_change=scheduler.schedule_daily)
    await admin.setup(GUILD, CHANNEL, "09:00", "UTC")
    assert scheduler.scheduler.get_job(daily_job_id(GUILD)) is not None
    await admin.set_paused(GUILD, True)
    assert scheduler.scheduler.get_job(daily_job_id(GUILD)) is None
    await admin.set_paused(GUILD, False)
    assert scheduler.scheduler.get_job(daily_job_id(GUILD)) is not None


async def test_sharded_process_schedules_only_its_guilds(
    service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    for guild in ("1", "2", "3", "4"):
        await admin.setup(guild, f"c{guild}", "09:00", "UTC")
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start(paused=True)
    try:
        mine = QuizScheduler(service, aps, owns_guild=lambda g: int(g) % 2 == 0)
        clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
        await mine.start()
        assert sorted(j.id for j in aps.get_jobs()) == ["daily:2", "daily:4"]
    finally:
        aps.shutdown(wait=False)


async def test_review_reminders_run_hourly_and_reach_members_in_their_morning(
    scheduler: QuizScheduler, service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    reviews = Reviews(service, notifier)
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    view = await service.draw(GUILD, CHANNEL, ALICE, difficulty=Difficulty.MID)
    missed = next(i for i in view.post.choice_order if i != view.question.correct_index)
    await service.answer(view.post.post_id, ALICE, choice=missed)
    await service.reveal(view.post.post_id)
    await reviews.set_reminder(GUILD, ALICE, True)
    scheduler.schedule_reminders(reviews)
    reminders = job(scheduler, reminders_job_id("test"))
    assert reminders.misfire_grace_time == REMINDERS_GRACE_S

    fired = []
    clock.set(datetime(2026, 11, 25, 5, 30, tzinfo=UTC))
    for _ in range(6):  # 06:00 ... 11:00 UTC, i.e. 07:00 ... 12:00 in Berlin
        await fire(scheduler, clock, reminders_job_id("test"))
        fired.append((clock.now().astimezone(BERLIN).hour, len(notifier.sent)))
        clock.advance(seconds=1)
    assert fired == [(7, 0), (8, 0), (9, 1), (10, 1), (11, 1), (12, 1)]
