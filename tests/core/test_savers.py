"""Streak savers: the pure rules in tables, then the engine over days, weeks and DST."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.admin import GuildAdmin
from bot.core.bank import QuestionBank
from bot.core.learning_model import Savers
from bot.core.model import Member, PostView
from bot.core.moderation import MemberAction, Moderation
from bot.core.questions import Difficulty
from bot.core.reviewing import Reviews
from bot.core.savers import DailyOutcome, Streak, play, settle
from bot.core.service import QuizService
from bot.storage.sqlite import SqliteStore
from tests.conftest import GUILD, posted_daily
from tests.fakes import FakeClock, question

R, W, M = DailyOutcome.RIGHT, DailyOutcome.WRONG, DailyOutcome.MISSED
T0 = datetime(2027, 3, 22, 17, 0, tzinfo=UTC)
ALICE, BOB, ADMIN = Member("u1", "Alice"), Member("u2", "Bob"), Member("a1", "Admin")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("before", "outcome", "alive", "after", "bridged"),
    [
        (Savers(0, 0), R, False, Savers(0, 1), False),
        (Savers(0, 5), R, True, Savers(0, 6), False),
        (Savers(0, 6), R, True, Savers(1, 0), False),  # the 7th in a row earns one
        (Savers(2, 6), R, True, Savers(2, 0), False),  # at most two held
        (Savers(1, 3), R, False, Savers(1, 1), False),  # a broken streak restarts the run
        (Savers(1, 3), W, True, Savers(0, 0, T0), True),
        (Savers(2, 3), M, True, Savers(1, 0, T0), True),
        (Savers(0, 3), W, True, Savers(0, 0), False),  # nothing to spend: the streak ends
        (Savers(1, 0), M, False, Savers(1, 0), False),  # no streak to save: keep the saver
    ],
)
def test_settle(
    before: Savers, outcome: DailyOutcome, alive: bool, after: Savers, bridged: bool
) -> None:
    assert settle(before, outcome, streak_alive=alive, at=T0) == (after, bridged)


@pytest.mark.parametrize(
    ("outcomes", "streaks", "held"),
    [
        ("RRRRRRR", [1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 1]),
        ("RRRRRRRMR", [1, 2, 3, 4, 5, 6, 7, 7, 8], [0, 0, 0, 0, 0, 0, 1, 0, 0]),
        ("RRRRRRRWW", [1, 2, 3, 4, 5, 6, 7, 7, 0], [0, 0, 0, 0, 0, 0, 1, 0, 0]),
        ("R" * 21 + "MMM", [*range(1, 22), 21, 21, 0], [0] * 6 + [1] * 7 + [2] * 8 + [1, 0, 0]),
        ("RRRRRRRMRRRRRRR", [*range(1, 8), 7, *range(8, 15)], [0] * 6 + [1, 0] + [0] * 6 + [1]),
    ],
)
def test_play(outcomes: str, streaks: list[int], held: list[int]) -> None:
    days = [T0 + timedelta(days=n) for n in range(len(outcomes))]
    states = play(Streak(), [DailyOutcome(_WORDS[c]) for c in outcomes], days)
    assert [s.streak for s in states] == streaks
    assert [s.savers.held for s in states] == held
    assert states[-1].best == max(streaks)


_WORDS = {"R": "right", "W": "wrong", "M": "missed"}


def right(view: PostView) -> int:
    correct = view.question.correct_index
    assert correct is not None
    return correct


def wrong(view: PostView) -> int:
    return next(i for i in view.post.choice_order if i != right(view))


async def run_days(
    service: QuizService,
    reviews: Reviews,
    clock: FakeClock,
    days: list[date],
    plan: str,
) -> list[tuple[int, int, datetime | None]]:
    """Post each day's daily at 09:00 Berlin, answer per `plan` (R/W/M), reveal 8 hours on.

    Bob answers every daily right, so that the streak board has a steady neighbour.
    Returns Alice's (current streak, savers held, last used) after each reveal.
    """
    seen = []
    for day, step in zip(days, plan, strict=True):
        clock.set(datetime(day.year, day.month, day.day, 9, 0, tzinfo=BERLIN))
        view = await posted_daily(service, GUILD)
        assert view is not None, day
        if step != "M":
            choice = right(view) if step == "R" else wrong(view)
            await service.answer(view.post.post_id, ALICE, choice=choice)
        await service.answer(view.post.post_id, BOB, choice=right(view))
        clock.advance(hours=8)
        await service.reveal(view.post.post_id)
        stats = await service.stats(GUILD, ALICE.id)
        learning = await reviews.learning_stats(GUILD, ALICE.id)
        seen.append(
            (stats.streak if stats else 0, learning.savers.held, learning.savers.last_used_at)
        )
    return seen


async def test_a_saver_bridges_a_missed_daily_across_the_spring_dst_change(
    service: QuizService, admin: GuildAdmin, reviews: Reviews, clock: FakeClock
) -> None:
    await admin.setup(GUILD, "c1", "09:00", "Europe/Berlin")
    await admin.set_difficulty(GUILD, "mid")  # choice questions only
    start = date(2027, 3, 22)  # Monday; clocks go forward on Sunday 28 March
    days = [start + timedelta(days=n) for n in range(10)]

    seen = await run_days(service, reviews, clock, days, "RRRRRRRMRW")

    assert [s[0] for s in seen] == [1, 2, 3, 4, 5, 6, 7, 7, 8, 0]
    assert [s[1] for s in seen] == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    used = seen[7][2]
    assert used is not None
    assert used.astimezone(BERLIN) == datetime(2027, 3, 29, 17, 0, tzinfo=BERLIN)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.best_streak == 8


async def test_weekends_without_a_daily_neither_break_nor_count(
    service: QuizService, admin: GuildAdmin, reviews: Reviews, clock: FakeClock
) -> None:
    await admin.setup(GUILD, "c1", "09:00", "Europe/Berlin")
    await admin.set_difficulty(GUILD, "mid")  # choice questions only
    await admin.set_days(GUILD, "mon-fri")
    weekdays = [
        day
        for n in range(21)
        if (day := date(2026, 10, 19) + timedelta(days=n)).weekday() < 5  # DST ends Oct 25
    ]
    seen = await run_days(service, reviews, clock, weekdays[:9], "RRRRRRRWR")

    assert [s[0] for s in seen] == [1, 2, 3, 4, 5, 6, 7, 7, 8]
    assert [s[1] for s in seen] == [0, 0, 0, 0, 0, 0, 1, 0, 0]
    assert weekdays[6] == date(2026, 10, 27), "the 7th daily is on the second Tuesday"


async def test_a_reset_takes_savers_too(
    service: QuizService,
    admin: GuildAdmin,
    reviews: Reviews,
    moderation: Moderation,
    clock: FakeClock,
) -> None:
    await admin.setup(GUILD, "c1", "09:00", "Europe/Berlin")
    await admin.set_difficulty(GUILD, "mid")  # choice questions only
    days = [date(2026, 12, 1) + timedelta(days=n) for n in range(7)]
    await run_days(service, reviews, clock, days, "RRRRRRR")
    assert (await reviews.learning_stats(GUILD, ALICE.id)).savers.held == 1
    await moderation.apply(GUILD, MemberAction.RESET, ALICE, by=ADMIN)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.streak, stats.best_streak, stats.points, stats.answered) == (0, 0, 0, 7)
    assert (await reviews.learning_stats(GUILD, ALICE.id)).savers.held == 0


@pytest.mark.parametrize(
    ("selfgrade", "alice_grades", "streak_after"),
    [
        (False, None, 3),  # an open daily that cannot score passes like a day off
        (False, True, 3),  # ... even for those who answered it
        (True, True, 4),  # where self-grades score, it counts like any daily
        (True, None, 1),  # ... and not answering it ends the streak
    ],
)
async def test_a_self_graded_daily_follows_the_guild_rule(
    store: SqliteStore,
    clock: FakeClock,
    selfgrade: bool,
    alice_grades: bool | None,
    streak_after: int,
) -> None:
    bank = QuestionBank(
        [question("c1"), question("c2"), question("o1", Difficulty.EXPERT, open_question=True)]
    )
    service = QuizService(
        bank=bank, store=store, clock=clock, rng=random.Random(1), platform="test"
    )
    admin = GuildAdmin(service)
    await admin.setup(GUILD, "c1", "09:00", "UTC")
    await Moderation(service).set_selfgrade(GUILD, selfgrade, by=ADMIN)
    for n, level in enumerate(["mid", "mid", "expert", "mid"]):
        await admin.set_difficulty(GUILD, level)
        clock.set(datetime(2026, 12, 7 + n, 9, 0, tzinfo=UTC))
        view = await posted_daily(service, GUILD)
        assert view is not None
        if view.question.is_choice:
            await service.answer(view.post.post_id, ALICE, choice=right(view))
        elif alice_grades is not None:
            await service.answer(view.post.post_id, ALICE, text="my answer")
        clock.advance(hours=8)
        await service.reveal(view.post.post_id)
        if not view.question.is_choice and alice_grades is not None:
            await service.self_grade(view.post.post_id, ALICE, correct=alice_grades)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.streak == streak_after
