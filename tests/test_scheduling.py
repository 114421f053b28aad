"""The ticker, driven by a controllable clock: dailies at their local minute, reveals on time,
catch-up after a restart, and DST."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.admin import GuildAdmin
from bot.core.errors import PostClosed
from bot.core.model import Member, PostKind
from bot.core.questions import Difficulty
from bot.core.reviewing import Reviews
from bot.core.service import QuizService
from bot.scheduling import (
    REMINDERS_GRACE_S,
    TICK_JOB,
    QuizScheduler,
    reminders_job_id,
    reveal_job_id,
)
from tests.conftest import CHANNEL, GUILD, shown_draw
from tests.fakes import FakeClock, RecordingNotifier, RecordingPublisher

BERLIN = ZoneInfo("Europe/Berlin")
ALICE = Member("u1", "Alice")


@pytest.fixture
async def scheduler(service: QuizService) -> AsyncIterator[QuizScheduler]:
    """A started QuizScheduler whose APScheduler is paused: the test runs the ticks."""
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start(paused=True)
    jobs = QuizScheduler(service, aps)
    await jobs.start()
    yield jobs
    await jobs.shutdown()


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


async def tick_at(scheduler: QuizScheduler, clock: FakeClock, when: datetime) -> None:
    """One tick at `when`, and the deliveries it caused."""
    clock.set(when)
    await scheduler.tick()
    await scheduler.deliver_due()


async def next_due(service: QuizService, guild_id: str = GUILD) -> datetime:
    config = await service.config(guild_id)
    assert config.next_due_at is not None
    return config.next_due_at


def local_dates(publisher: RecordingPublisher) -> list[str | None]:
    return [v.post.local_date for v in publisher.published if v.post.kind is PostKind.DAILY]


async def test_one_ticker_job_whatever_the_number_of_guilds(
    scheduler: QuizScheduler, admin: GuildAdmin
) -> None:
    for n in range(30):
        await admin.setup(f"g{n}", f"c{n}", "09:00", "Europe/Berlin")
    [job] = scheduler.scheduler.get_jobs()
    assert job.id == TICK_JOB
    assert job.coalesce is True


async def test_the_daily_follows_local_time_across_dst(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
) -> None:
    clock.set(datetime(2026, 3, 27, 10, 0, tzinfo=BERLIN))  # Friday, after its slot
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    await admin.set_days(GUILD, "mon-fri")
    monday = await next_due(service)
    assert monday == datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)
    assert monday.astimezone(UTC).hour == 7  # CEST from Sunday on
    await tick_at(scheduler, clock, monday - timedelta(minutes=1))
    assert publisher.published == []
    await tick_at(scheduler, clock, monday)
    assert local_dates(publisher) == ["2026-03-30"]
    assert await next_due(service) == datetime(2026, 3, 31, 9, 0, tzinfo=BERLIN)


async def test_three_days_of_dailies_and_streaks(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
) -> None:
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN))  # Monday noon: today's slot is gone
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    for day in range(3):
        await tick_at(scheduler, clock, await next_due(service))
        view = publisher.published[-1]
        assert clock.now().astimezone(BERLIN) == datetime(2026, 11, 24 + day, 9, 0, tzinfo=BERLIN)
        correct = view.question.correct_index
        assert correct is not None
        await service.answer(view.post.post_id, ALICE, choice=correct)
        # The tick a minute before the reveal lines up an exact job for it.
        post = await service.post(view.post.post_id)
        await tick_at(scheduler, clock, post.reveal_at - timedelta(seconds=60))
        job = scheduler.scheduler.get_job(reveal_job_id(post.post_id))
        assert job is not None
        assert job.misfire_grace_time is None, "a reveal runs however late it is"
        clock.set(job.trigger.run_date)
        await job.func(*job.args)
        await scheduler.deliver_due()
        assert clock.now() - view.post.posted_at == timedelta(hours=8)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.streak, stats.best_streak, stats.points) == (
        3,
        3,
        sum(v.question.difficulty.points for v in publisher.published),
    )
    assert len(publisher.reveals) == 3


async def test_start_does_no_guild_work_and_catch_up_does_it(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
) -> None:
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN))
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    draw = await shown_draw(service, GUILD, "other", ALICE)
    await scheduler.shutdown()
    # The bot was down from 08:00 until 15:00: the draw is overdue, today's daily missed.
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=BERLIN))
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start(paused=True)
    restarted = QuizScheduler(service, aps)
    try:
        await restarted.start()
        await restarted.deliver_due()
        assert publisher.published == [], "start only wires up; catching up waits"
        await restarted.catch_up()
        await restarted.deliver_due()
        assert local_dates(publisher) == ["2026-11-23"]
        assert not (await service.post(draw.post.post_id)).is_open
        assert [r.post.post_id for r in publisher.reveals] == [draw.post.post_id]

        await restarted.catch_up()  # a second catch-up posts nothing twice
        await restarted.deliver_due()
        assert len(publisher.published) == 1
    finally:
        await restarted.shutdown()


async def test_a_missed_daily_from_yesterday_is_skipped(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
) -> None:
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN))
    await admin.setup(GUILD, CHANNEL, "23:00", "Europe/Berlin")
    await tick_at(scheduler, clock, datetime(2026, 11, 24, 0, 30, tzinfo=BERLIN))  # 23:00 missed
    assert publisher.published == []
    assert await next_due(service) == datetime(2026, 11, 24, 23, 0, tzinfo=BERLIN)


async def test_guilds_without_a_channel_cost_nothing_and_warn_nothing(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await admin.set_days(GUILD, "mon-fri")  # configured, but no channel yet
    assert (await service.config(GUILD)).next_due_at is None
    with caplog.at_level(logging.INFO):
        await scheduler.catch_up()
        await scheduler.catch_up()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_paused_guild_is_not_due(
    scheduler: QuizScheduler, service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "UTC")
    assert (await service.config(GUILD)).next_due_at is not None
    await admin.set_paused(GUILD, True)
    assert (await service.config(GUILD)).next_due_at is None
    assert (await admin.status(GUILD)).next_post is None
    await admin.set_paused(GUILD, False)
    assert await next_due(service) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def test_sharded_process_posts_only_its_guilds(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    for guild in ("1", "2", "3", "4"):
        await admin.setup(guild, f"c{guild}", "09:00", "UTC")
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start(paused=True)
    mine = QuizScheduler(service, aps, owns_guild=lambda g: int(g) % 2 == 0)
    try:
        await mine.start()
        await tick_at(mine, clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        assert sorted(v.post.guild_id for v in publisher.published) == ["2", "4"]
    finally:
        await mine.shutdown()


@pytest.mark.parametrize(
    "restart_at",
    [
        datetime(2026, 3, 29, 0, 45, tzinfo=UTC),  # before the gap: the tick at its end posts
        datetime(2026, 3, 29, 1, 15, tzinfo=UTC),  # inside the window the old rule left open
    ],
)
async def test_a_time_inside_the_spring_gap_posts_at_its_end_even_across_a_restart(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
    restart_at: datetime,
) -> None:
    clock.set(datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN))
    await admin.setup(GUILD, CHANNEL, "02:30", "Europe/Berlin")  # 02:00-03:00 is skipped
    gap_end = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert await next_due(service) == gap_end
    await scheduler.shutdown()
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start(paused=True)
    restarted = QuizScheduler(service, aps)
    try:
        clock.set(restart_at)
        await restarted.start()
        await restarted.catch_up()
        minute = max(restart_at, gap_end)
        for _ in range(40):  # every tick of the next forty minutes
            await tick_at(restarted, clock, minute)
            minute += timedelta(minutes=1)
    finally:
        await restarted.shutdown()
    assert local_dates(publisher) == ["2026-03-29"]
    assert publisher.published[0].post.posted_at == max(restart_at, gap_end)
    assert await next_due(service) == datetime(2026, 3, 30, 2, 30, tzinfo=BERLIN)


@pytest.mark.parametrize("posted_first", [True, False], ids=["after-post", "before-post"])
async def test_moving_the_time_earlier_then_restarting_posts_nothing_today(
    scheduler: QuizScheduler,
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    publisher: RecordingPublisher,
    posted_first: bool,
) -> None:
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN))
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    if posted_first:
        await tick_at(scheduler, clock, datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN))
        clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=BERLIN))
    else:
        clock.set(datetime(2026, 11, 24, 8, 30, tzinfo=BERLIN))
    posted = len(publisher.published)
    await admin.setup(GUILD, CHANNEL, "08:00", "Europe/Berlin")
    tomorrow = datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN)
    assert (await admin.status(GUILD)).next_post == tomorrow
    await scheduler.shutdown()

    clock.advance(minutes=15)
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start(paused=True)
    restarted = QuizScheduler(service, aps)
    try:
        await restarted.start()
        await restarted.catch_up()
        await restarted.deliver_due()
        assert len(publisher.published) == posted, "the restart keeps what status said"
        await tick_at(restarted, clock, tomorrow)
        assert len(publisher.published) == posted + 1
    finally:
        await restarted.shutdown()


async def test_a_draw_gets_an_exact_reveal_job_when_shown(
    scheduler: QuizScheduler, service: QuizService, clock: FakeClock
) -> None:
    view = await service.draw(GUILD, CHANNEL, ALICE)
    assert scheduler.scheduler.get_job(reveal_job_id(view.post.post_id)) is None, "not shown yet"
    await service.attach_message(view.post.post_id, "m1")
    exact = scheduler.scheduler.get_job(reveal_job_id(view.post.post_id))
    assert exact is not None
    assert exact.trigger.run_date == view.post.reveal_at


async def test_review_reminders_run_hourly_and_reach_members_in_their_morning(
    scheduler: QuizScheduler, service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    reviews = Reviews(service, notifier)
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.MID)
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


async def test_an_unanswered_practice_question_expires_after_a_day(
    scheduler: QuizScheduler, service: QuizService, clock: FakeClock
) -> None:
    practice = await shown_draw(service, GUILD, CHANNEL, ALICE, private=True)
    await tick_at(scheduler, clock, clock.now() + timedelta(hours=23))
    assert (await service.post(practice.post.post_id)).is_open, "still open within the day"
    await tick_at(scheduler, clock, clock.now() + timedelta(hours=2))
    assert not (await service.store.post(practice.post.post_id)).is_open  # type: ignore[union-attr]
    with pytest.raises(PostClosed):
        await service.answer(practice.post.post_id, ALICE, choice=practice.post.choice_order[0])
