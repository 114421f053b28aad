"""The engine's use cases on each real store (SQLite and PostgreSQL), with a controllable clock."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.admin import GuildAdmin
from bot.core.bank import QuestionBank
from bot.core.errors import (
    DrawAlreadyOpen,
    InvalidInput,
    NoQuestions,
    NotAllowed,
    NotFound,
    PostClosed,
)
from bot.core.model import Member, MemberStats, Period, PostKind, PostView, RankBy, Tally
from bot.core.moderation import MemberAction, Moderation
from bot.core.questions import Difficulty
from bot.core.service import QuizService
from bot.storage.factory import ClosableStore
from tests.conftest import CHANNEL, GUILD, delivered_daily, shown_draw
from tests.databases import Database
from tests.fakes import FakeClock, RecordingPublisher, small_bank

ALICE, BOB, CAROL = Member("u1", "Alice"), Member("u2", "Bob"), Member("u3", "Carol")


def right(view: PostView) -> int:
    correct = view.question.correct_index
    assert correct is not None
    return correct


def wrong(view: PostView) -> int:
    return next(i for i in view.post.choice_order if i != right(view))


async def test_draw_answered_by_three_then_revealed(service: QuizService) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.SENIOR)
    await service.answer(view.post.post_id, ALICE, choice=right(view))
    await service.answer(view.post.post_id, BOB, choice=right(view))
    await service.answer(view.post.post_id, CAROL, choice=wrong(view))

    revealed = await service.reveal(view.post.post_id)

    assert revealed is not None
    assert (revealed.tally.answered, revealed.tally.correct) == (3, 2)
    assert revealed.tally.per_choice[right(view)] == 2
    assert revealed.tally.per_choice[wrong(view)] == 1
    assert revealed.tally.percent_correct == 67
    alice = await service.stats(GUILD, ALICE.id)
    carol = await service.stats(GUILD, CAROL.id)
    assert alice is not None
    assert carol is not None
    assert (alice.points, alice.correct, alice.answered) == (4, 1, 1)
    assert (carol.points, carol.correct, carol.answered) == (0, 0, 1)
    assert alice.streak == 0, "draws never touch streaks"


@pytest.mark.parametrize(
    ("level", "points"),
    [
        (Difficulty.ENTRY, 1),
        (Difficulty.JUNIOR, 2),
        (Difficulty.MID, 3),
        (Difficulty.SENIOR, 4),
        (Difficulty.EXPERT, 5),
    ],
)
async def test_points_follow_the_level(
    service: QuizService, level: Difficulty, points: int
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=level)
    await service.answer(view.post.post_id, ALICE, choice=right(view))
    await service.reveal(view.post.post_id)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.points == points


async def test_changed_answer_counts_the_last_one(service: QuizService) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    await service.answer(view.post.post_id, ALICE, choice=right(view))
    await service.answer(view.post.post_id, ALICE, choice=wrong(view))
    revealed = await service.reveal(view.post.post_id)
    assert revealed is not None
    assert (revealed.tally.answered, revealed.tally.correct) == (1, 0)


async def test_answer_after_reveal_is_refused_and_changes_nothing(service: QuizService) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    await service.answer(view.post.post_id, ALICE, choice=wrong(view))
    await service.reveal(view.post.post_id)
    with pytest.raises(PostClosed, match="already been revealed"):
        await service.answer(view.post.post_id, ALICE, choice=right(view))
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.points, stats.correct) == (0, 0)


async def test_invalid_choice_is_refused(service: QuizService) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    with pytest.raises(InvalidInput, match="not one of this question's choices"):
        await service.answer(view.post.post_id, ALICE, choice=9)


async def test_concurrent_reveals_reveal_once(
    service: QuizService, publisher: RecordingPublisher
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    await service.answer(view.post.post_id, ALICE, choice=right(view))
    results = await asyncio.gather(*(service.reveal(view.post.post_id) for _ in range(5)))
    assert sum(result is not None for result in results) == 1
    await service.deliveries.run_due()
    assert len(publisher.reveals) == 1
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.answered == 1


async def test_reveal_happens_once_across_a_restart(
    database: Database, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    first = await database.open()
    service = QuizService(
        bank=small_bank(),
        store=first,
        clock=clock,
        rng=random.Random(1),
        platform="test",
        publisher=publisher,
    )
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    await service.answer(view.post.post_id, ALICE, choice=right(view))
    await first.close()

    second = await database.open()
    try:
        restarted = QuizService(
            bank=small_bank(),
            store=second,
            clock=clock,
            rng=random.Random(2),
            platform="test",
            publisher=publisher,
        )
        assert [p.post_id for p in await restarted.due_reveals()] == [view.post.post_id]
        assert await restarted.reveal(view.post.post_id) is not None
        assert await restarted.reveal(view.post.post_id) is None
        stats = await restarted.stats(GUILD, ALICE.id)
        assert stats is not None
        assert stats.points == view.question.difficulty.points
    finally:
        await second.close()


async def test_thousand_concurrent_answers(service: QuizService, database: Database) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    members = [Member(f"m{i}", f"Member {i}") for i in range(1000)]
    choices = [right(view) if i % 4 == 0 else wrong(view) for i in range(1000)]

    await asyncio.gather(
        *(
            service.answer(view.post.post_id, m, choice=c)
            for m, c in zip(members, choices, strict=True)
        )
    )
    revealed = await service.reveal(view.post.post_id)

    [(rows,)] = await database.rows(
        "SELECT COUNT(*) FROM answers WHERE post_id = ?", view.post.post_id
    )
    assert rows == 1000
    assert revealed is not None
    assert (revealed.tally.answered, revealed.tally.correct) == (1000, 250)


async def test_answers_racing_the_reveal_are_counted_exactly_when_acknowledged(
    service: QuizService, database: Database
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    post_id = view.post.post_id
    members = [Member(f"r{i}", f"Racer {i}") for i in range(300)]

    async def answer(member: Member) -> bool:
        try:
            await service.answer(post_id, member, choice=right(view))
        except PostClosed:
            return False
        return True

    early = [asyncio.create_task(answer(m)) for m in members[:150]]
    await asyncio.wait(early, return_when=asyncio.FIRST_COMPLETED)
    reveal = asyncio.create_task(service.reveal(post_id))
    late = [asyncio.create_task(answer(m)) for m in members[150:]]
    acked = sum(await asyncio.gather(*early, *late))
    revealed = await reveal

    assert revealed is not None
    assert acked >= 1
    assert revealed.tally.answered == revealed.tally.correct == acked
    [(stored,)] = await database.rows("SELECT COUNT(*) FROM answers WHERE post_id = ?", post_id)
    [(answered, points)] = await database.rows(
        "SELECT SUM(answered), SUM(points) FROM member_stats WHERE guild_id = ?", GUILD
    )
    assert stored == answered == acked
    assert points == acked * view.question.difficulty.points


async def test_only_public_posts_overdue_past_the_grace_are_claimed(
    service: QuizService, clock: FakeClock
) -> None:
    public = await shown_draw(service, GUILD, CHANNEL, ALICE)
    private = await service.draw(GUILD, CHANNEL, BOB, private=True)
    grace, lease = timedelta(seconds=60), timedelta(seconds=120)

    clock.set(public.post.reveal_at + timedelta(seconds=59))
    assert await service.claim_overdue("sweeper", grace=grace, lease=lease) == []
    clock.set(private.post.reveal_at + timedelta(minutes=5))
    claimed = await service.claim_overdue("sweeper", grace=grace, lease=lease)
    assert [post.post_id for post in claimed] == [public.post.post_id]

    await service.reveal(public.post.post_id)
    clock.advance(hours=1)
    assert await service.claim_overdue("sweeper", grace=grace, lease=lease) == []


async def test_one_member_answering_twice_concurrently_keeps_the_last(
    service: QuizService, database: Database
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    await service.view(view.post.post_id)
    await asyncio.gather(
        service.answer(view.post.post_id, ALICE, choice=right(view)),
        service.answer(view.post.post_id, ALICE, choice=wrong(view)),
    )
    rows = await database.rows("SELECT choice FROM answers WHERE post_id = ?", view.post.post_id)
    assert rows == [(wrong(view),)]


async def test_one_open_draw_per_channel(service: QuizService) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    with pytest.raises(DrawAlreadyOpen) as refused:
        await shown_draw(service, GUILD, CHANNEL, BOB)
    assert refused.value.reveal_at_unix == int(view.post.reveal_at.timestamp())
    other = await shown_draw(service, GUILD, "other-channel", BOB)
    assert other.post.channel_id == "other-channel"
    await service.reveal(view.post.post_id)
    assert (await shown_draw(service, GUILD, CHANNEL, BOB)).post.kind is PostKind.DRAW


async def test_draw_filters(service: QuizService) -> None:
    view = await shown_draw(
        service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.EXPERT, topic="ASYNCIO"
    )
    assert view.question.id == "expert-0"
    with pytest.raises(InvalidInput, match="Unknown topic 'cooking'"):
        await shown_draw(service, GUILD, "c2", ALICE, topic="cooking")
    with pytest.raises(NoQuestions, match="No question matches entry design"):
        await shown_draw(service, GUILD, "c2", ALICE, difficulty=Difficulty.ENTRY, topic="design")


async def test_shuffle_bag_never_repeats_until_used_up_even_across_restarts(
    database: Database, clock: FakeClock
) -> None:
    seen: list[str] = []
    for round_ in range(2):
        store = await database.open()
        service = QuizService(
            bank=small_bank(), store=store, clock=clock, rng=random.Random(round_), platform="t"
        )
        try:
            for _ in range(3 if round_ == 0 else 4):
                view = await shown_draw(
                    service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.JUNIOR
                )
                seen.append(view.question.id)
                await service.reveal(view.post.post_id)
        finally:
            await store.close()
    assert sorted(seen[:3]) == ["junior-0", "junior-1", "junior-2"]
    assert sorted(seen[3:6]) == ["junior-0", "junior-1", "junior-2"]
    assert seen[3] != seen[2], "a refill never repeats the last question back to back"


async def test_private_practice_reveals_at_once_and_scores_nothing(
    service: QuizService, publisher: RecordingPublisher
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, private=True)
    assert view.post.kind is PostKind.PRIVATE
    # A private draw does not block the channel's public draws.
    await shown_draw(service, GUILD, CHANNEL, BOB)
    with pytest.raises(NotAllowed):
        await service.answer(view.post.post_id, BOB, choice=right(view))
    receipt = await service.answer(view.post.post_id, ALICE, choice=right(view))
    assert receipt.correct is True
    assert publisher.reveals == []
    assert await service.stats(GUILD, ALICE.id) is None
    with pytest.raises(PostClosed):
        await service.answer(view.post.post_id, ALICE, choice=wrong(view))


async def test_open_question_self_grade(service: QuizService) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, topic="design")
    assert not view.question.is_choice
    with pytest.raises(InvalidInput, match="empty"):
        await service.answer(view.post.post_id, ALICE, text="   ")
    await service.answer(view.post.post_id, ALICE, text="Use a queue.")
    with pytest.raises(InvalidInput, match="Wait for the reveal"):
        await service.self_grade(view.post.post_id, ALICE, correct=True)
    revealed = await service.reveal(view.post.post_id)
    assert revealed is not None
    assert revealed.tally.answered == 1

    await service.self_grade(view.post.post_id, ALICE, correct=True)
    with pytest.raises(InvalidInput, match="once"):
        await service.self_grade(view.post.post_id, ALICE, correct=True)
    with pytest.raises(InvalidInput, match="answered before the reveal"):
        await service.self_grade(view.post.post_id, BOB, correct=True)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.points, stats.answered, stats.correct) == (0, 1, 1), (
        "self-grades score only when allowed"
    )


# -- daily posts and streaks --------------------------------------------------


async def setup_daily(admin: GuildAdmin, *, zone: str = "Europe/Berlin", at: str = "09:00") -> None:
    await admin.setup(GUILD, CHANNEL, at, zone)


async def daily_round(
    service: QuizService, clock: FakeClock, day: datetime, answers: dict[Member, bool]
) -> PostView:
    """Post the daily at 09:00 Berlin on `day`, answer as told, reveal after 8 hours."""
    clock.set(day.replace(hour=9, minute=0, tzinfo=ZoneInfo("Europe/Berlin")))
    view = await delivered_daily(service, GUILD)
    assert view is not None
    for member, correct in answers.items():
        await service.answer(
            view.post.post_id, member, choice=right(view) if correct else wrong(view)
        )
    clock.advance(hours=8)
    assert await service.reveal(view.post.post_id) is not None
    return view


async def test_stored_totals_equal_what_the_answers_imply(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, database: Database
) -> None:
    await setup_daily(admin)
    rng = random.Random(11)
    members = [Member(f"t{i}", f"Total {i}") for i in range(8)]
    day = datetime(2026, 11, 23)
    for offset in range(4):
        await daily_round(
            service,
            clock,
            day + timedelta(days=offset),
            {m: rng.random() < 0.6 for m in rng.sample(members, 5)},
        )
        draw = await shown_draw(service, GUILD, f"draws-{offset}", members[0])
        for member in rng.sample(members, 4):
            await service.answer(
                draw.post.post_id, member, choice=rng.choice(draw.post.choice_order)
            )
        await service.reveal(draw.post.post_id)

    answers = await database.rows(
        "SELECT a.member_id, p.difficulty, CASE WHEN a.correct THEN 1 ELSE 0 END "
        "FROM answers AS a JOIN posts AS p ON p.post_id = a.post_id WHERE p.guild_id = ?",
        GUILD,
    )
    implied: dict[str, tuple[int, int, int]] = {}
    for member_id, level, correct in answers:
        answered, right_count, points = implied.get(member_id, (0, 0, 0))
        implied[member_id] = (
            answered + 1,
            right_count + correct,
            points + correct * Difficulty(level).points,
        )
    stored = await database.rows(
        "SELECT member_id, answered, correct, points FROM member_stats WHERE guild_id = ?", GUILD
    )
    assert {row[0]: tuple(row[1:]) for row in stored} == implied
    by_level = await database.rows(
        "SELECT SUM(answered), SUM(correct), SUM(points) FROM level_stats WHERE guild_id = ?",
        GUILD,
    )
    assert by_level == [tuple(sum(v[i] for v in implied.values()) for i in range(3))]


async def test_streak_grows_breaks_and_keeps_best(
    service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    await setup_daily(admin)
    day = datetime(2026, 11, 23)
    await daily_round(service, clock, day, {ALICE: True, BOB: True, CAROL: True})
    await daily_round(service, clock, day + timedelta(days=1), {ALICE: True, BOB: False})
    await daily_round(service, clock, day + timedelta(days=2), {ALICE: True, CAROL: True})

    alice = await service.stats(GUILD, ALICE.id)
    bob = await service.stats(GUILD, BOB.id)
    carol = await service.stats(GUILD, CAROL.id)
    assert alice is not None
    assert bob is not None
    assert carol is not None
    assert (alice.streak, alice.best_streak) == (3, 3)
    assert (bob.streak, bob.best_streak) == (0, 1)
    assert (carol.streak, carol.best_streak) == (1, 1), "skipping day two restarted the count"

    await daily_round(service, clock, day + timedelta(days=3), {BOB: True})
    alice = await service.stats(GUILD, ALICE.id)
    assert alice is not None
    assert (alice.streak, alice.best_streak) == (0, 3), "a missed daily ends the streak"

    board = await service.leaderboard(GUILD, ALICE.id, period=Period.ALL, by=RankBy.STREAK)
    assert [(e.name, e.value) for e in board.top] == [("Bob", 1)]
    assert board.caller is None


async def test_days_without_a_daily_do_not_break_a_streak(
    service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    await setup_daily(admin)
    monday = datetime(2026, 11, 23)
    await daily_round(service, clock, monday, {ALICE: True})
    await admin.set_paused(GUILD, True)
    for offset in (1, 2):
        clock.set(
            (monday + timedelta(days=offset)).replace(hour=10, tzinfo=ZoneInfo("Europe/Berlin"))
        )
        assert await delivered_daily(service, GUILD) is None
    await admin.set_paused(GUILD, False)
    await daily_round(service, clock, monday + timedelta(days=3), {ALICE: True})
    alice = await service.stats(GUILD, ALICE.id)
    assert alice is not None
    assert alice.streak == 2


async def test_daily_never_posts_twice_a_day_and_posts_late_the_same_day(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    await setup_daily(admin)
    berlin = ZoneInfo("Europe/Berlin")
    clock.set(datetime(2026, 11, 24, 8, 59, tzinfo=berlin))
    assert await delivered_daily(service, GUILD) is None, "not due before its time"
    clock.set(datetime(2026, 11, 24, 22, 30, tzinfo=berlin))
    posted = await delivered_daily(service, GUILD)
    assert posted is not None, "late the same local day"
    assert await delivered_daily(service, GUILD) is None
    assert await admin.post_now(GUILD) is None
    assert len(publisher.published) == 1
    assert (await service.post(posted.post.post_id)).is_open, "a second attempt closes nothing"


async def test_failing_channel_is_recorded_and_retried(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    await setup_daily(admin)
    publisher.failing.add(CHANNEL)
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    refused = await delivered_daily(service, GUILD)
    assert refused is not None
    assert refused.post.voided_at is not None, "given up: it counts for nothing"
    assert not refused.post.is_open
    status = await admin.status(GUILD)
    assert (
        status.config.last_error == "Could not post the daily question: Missing Permissions (403)"
    )

    publisher.failing.clear()
    clock.advance(minutes=5)
    again = await delivered_daily(service, GUILD)
    assert again is not None, "the next attempt posts"
    assert again.post.is_delivered
    assert (await admin.status(GUILD)).config.last_error is None


async def test_ramp_goes_from_entry_on_monday_to_expert_on_friday(
    service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    await setup_daily(admin)
    await admin.set_difficulty(GUILD, "ramp")
    levels = []
    for offset in range(5):
        view = await daily_round(
            service, clock, datetime(2026, 11, 23) + timedelta(days=offset), {}
        )
        levels.append(view.question.difficulty)
    assert levels == list(Difficulty)


# -- leaderboards -------------------------------------------------------------


async def score_at(service: QuizService, clock: FakeClock, when: datetime, member: Member) -> None:
    clock.set(when)
    view = await shown_draw(service, GUILD, CHANNEL, member, difficulty=Difficulty.ENTRY)
    await service.answer(view.post.post_id, member, choice=right(view))
    await service.reveal(view.post.post_id)


@pytest.mark.parametrize(
    ("zone", "before", "after", "period"),
    [
        # Sunday night and Monday morning, local time, around the end of DST in Europe.
        (
            "Europe/Berlin",
            datetime(2026, 10, 25, 23, 30),
            datetime(2026, 10, 26, 0, 30),
            Period.WEEK,
        ),
        # Around the start of DST in the US (2026-03-08).
        (
            "America/New_York",
            datetime(2026, 3, 8, 23, 30),
            datetime(2026, 3, 9, 0, 30),
            Period.WEEK,
        ),
        (
            "America/New_York",
            datetime(2026, 10, 31, 23, 30),
            datetime(2026, 11, 1, 0, 30),
            Period.MONTH,
        ),
        ("Europe/Berlin", datetime(2026, 3, 31, 23, 59), datetime(2026, 4, 1, 0, 1), Period.MONTH),
    ],
)
async def test_period_boundaries_follow_the_guild_zone(
    service: QuizService,
    admin: GuildAdmin,
    clock: FakeClock,
    zone: str,
    before: datetime,
    after: datetime,
    period: Period,
) -> None:
    await setup_daily(admin, zone=zone)
    tz = ZoneInfo(zone)
    await score_at(service, clock, before.replace(tzinfo=tz), ALICE)
    await score_at(service, clock, after.replace(tzinfo=tz), BOB)

    clock.set(before.replace(tzinfo=tz))
    old = await service.leaderboard(GUILD, ALICE.id, period=period, by=RankBy.POINTS)
    clock.set(after.replace(tzinfo=tz) + timedelta(hours=1))
    new = await service.leaderboard(GUILD, ALICE.id, period=period, by=RankBy.POINTS)
    everything = await service.leaderboard(GUILD, ALICE.id, period=Period.ALL, by=RankBy.POINTS)

    assert [e.name for e in old.top] == ["Alice"]
    assert [e.name for e in new.top] == ["Bob"]
    assert new.caller is None
    assert sorted(e.name for e in everything.top) == ["Alice", "Bob"]


async def test_board_shows_top_ten_and_the_callers_own_rank(
    service: QuizService, clock: FakeClock
) -> None:
    members = [Member(f"p{i}", f"Player {i}") for i in range(12)]
    # Player i answers i+1 expert questions correctly; Player 0 ends last.
    for round_ in range(12):
        view = await shown_draw(service, GUILD, CHANNEL, members[0], difficulty=Difficulty.EXPERT)
        for i, member in enumerate(members):
            correct = i >= round_
            await service.answer(
                view.post.post_id, member, choice=right(view) if correct else wrong(view)
            )
        await service.reveal(view.post.post_id)
        clock.advance(minutes=2)

    board = await service.leaderboard(GUILD, "p0", period=Period.ALL, by=RankBy.POINTS)
    assert [e.name for e in board.top] == [f"Player {i}" for i in range(11, 1, -1)]
    assert [e.rank for e in board.top] == list(range(1, 11))
    assert board.caller is not None
    assert (board.caller.rank, board.caller.value) == (12, 5)


async def test_ties_share_a_rank(service: QuizService) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.MID)
    for member in (ALICE, BOB, CAROL):
        await service.answer(
            view.post.post_id, member, choice=right(view) if member != CAROL else wrong(view)
        )
    await service.reveal(view.post.post_id)
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.ENTRY)
    await service.answer(view.post.post_id, CAROL, choice=right(view))
    await service.reveal(view.post.post_id)
    board = await service.leaderboard(GUILD, CAROL.id, period=Period.ALL, by=RankBy.POINTS)
    assert [(e.rank, e.value) for e in board.top] == [(1, 3), (1, 3), (3, 1)]
    assert board.caller is not None
    assert board.caller.rank == 3


async def test_members_who_scored_nothing_are_on_the_boards_of_their_period_with_0(
    service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    dave = Member("u4", "Dave")
    await setup_daily(admin)
    view = await daily_round(
        service, clock, datetime(2026, 11, 24), {ALICE: True, BOB: False, CAROL: False}
    )
    points = view.question.difficulty.points

    async def board(
        member: Member, period: Period, by: RankBy = RankBy.POINTS
    ) -> tuple[list[tuple[int, str, int]], tuple[int, int] | None]:
        shown = await service.leaderboard(GUILD, member.id, period=period, by=by)
        mine = shown.caller
        return [(e.rank, e.name, e.value) for e in shown.top], (
            None if mine is None else (mine.rank, mine.value)
        )

    everyone = [(1, "Alice", points), (2, "Bob", 0), (2, "Carol", 0)]
    for period in Period:
        assert await board(BOB, period) == (everyone, (2, 0)), period
        assert await board(dave, period) == (everyone, None), "never answered: not on it"
    # A wrong daily leaves no current streak: that board shows streaks only.
    assert await board(BOB, Period.ALL, RankBy.STREAK) == ([(1, "Alice", 1)], None)

    moderation = Moderation(service)
    await moderation.apply(GUILD, MemberAction.EXCLUDE, CAROL, by=ALICE)
    assert await board(CAROL, Period.WEEK) == ([(1, "Alice", points), (2, "Bob", 0)], None)
    await moderation.apply(GUILD, MemberAction.INCLUDE, CAROL, by=ALICE)

    # A new week and month: Bob answered nothing there yet, so he is on neither board.
    await daily_round(service, clock, datetime(2026, 12, 1), {ALICE: True})
    for period in (Period.WEEK, Period.MONTH):
        top, mine = await board(BOB, period)
        assert [name for _, name, _ in top] == ["Alice"], period
        assert mine is None
    assert (await board(BOB, Period.ALL))[1] == (2, 0)


async def test_stats_break_down_by_level(service: QuizService) -> None:
    for level, ok in [
        (Difficulty.ENTRY, True),
        (Difficulty.ENTRY, False),
        (Difficulty.EXPERT, True),
    ]:
        view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=level)
        await service.answer(view.post.post_id, ALICE, choice=right(view) if ok else wrong(view))
        await service.reveal(view.post.post_id)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.answered, stats.correct, stats.points) == (3, 2, 6)
    assert round(stats.accuracy, 2) == 0.67
    entry = stats.by_level[Difficulty.ENTRY]
    assert (entry.answered, entry.correct, entry.points) == (2, 1, 1)
    assert stats.by_level[Difficulty.EXPERT].points == 5


async def test_new_daily_closes_an_open_previous_one(
    service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    await setup_daily(admin)
    await admin.set_reveal(GUILD, daily="23h")
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    first = await delivered_daily(service, GUILD)
    assert first is not None
    await service.answer(first.post.post_id, ALICE, choice=right(first))
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    second = await delivered_daily(service, GUILD)
    assert second is not None
    assert not (await service.post(first.post.post_id)).is_open
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.streak == 1


async def test_bad_admin_input_changes_nothing(admin: GuildAdmin) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    before = await admin.status(GUILD)
    attempts = [
        admin.setup(GUILD, "elsewhere", "25:99", "Europe/Berlin"),
        admin.setup(GUILD, "elsewhere", "10:00", "Mars/Base"),
        admin.set_reveal(GUILD, daily="10h", draw="2h"),
        admin.set_reveal(GUILD, daily="30s"),
        admin.set_difficulty(GUILD, "impossible"),
        admin.set_days(GUILD, "funday"),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidInput):
            await attempt
    assert await admin.status(GUILD) == before


async def test_status_reports_next_post_in_guild_time(admin: GuildAdmin, clock: FakeClock) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "America/New_York")
    await admin.set_days(GUILD, "mon-fri")
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday 10:00 in New York
    status = await admin.status(GUILD)
    assert status.next_post == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


async def test_a_post_whose_question_left_the_packs_still_closes(
    store: ClosableStore, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    before = QuizService(
        bank=small_bank(), store=store, clock=clock, rng=random.Random(1), platform="test"
    )
    view = await shown_draw(before, GUILD, CHANNEL, ALICE, difficulty=Difficulty.ENTRY)
    await before.answer(view.post.post_id, ALICE, choice=right(view))
    others = [q for q in small_bank() if q.id != view.question.id]
    after = QuizService(
        bank=QuestionBank(others), store=store, clock=clock, rng=random.Random(1), platform="test"
    )
    assert await after.reveal(view.post.post_id) is None
    assert await after.due_reveals() == []
    assert publisher.reveals == []


# -- what a post keeps from the moment it was posted ---------------------------------


async def test_a_zone_change_before_the_reveal_keeps_the_points_in_the_posting_week(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, database: Database
) -> None:
    clock.set(datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    await admin.setup(GUILD, CHANNEL, "22:00", "Europe/Berlin")
    clock.set(datetime(2026, 11, 29, 22, 0, tzinfo=ZoneInfo("Europe/Berlin")))  # Sunday, W48
    view = await delivered_daily(service, GUILD)
    assert view is not None
    assert (view.post.week_key, view.post.month_key) == ("2026-W48", "2026-11")
    await service.answer(view.post.post_id, ALICE, choice=right(view))
    await admin.setup(GUILD, CHANNEL, "22:00", "Pacific/Auckland")  # Monday there: W49
    await service.reveal(view.post.post_id)
    periods = {row[0] for row in await database.rows("SELECT period FROM period_points")}
    assert periods == {"2026-W48", "2026-11"}


async def test_one_daily_per_local_day_is_counted_in_the_zone_of_today(
    service: QuizService, admin: GuildAdmin, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    auckland, los_angeles = ZoneInfo("Pacific/Auckland"), ZoneInfo("America/Los_Angeles")
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=auckland))
    await admin.setup(GUILD, CHANNEL, "09:00", "Pacific/Auckland")
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=auckland))  # 2026-11-23 12:00 in LA
    first = await delivered_daily(service, GUILD)
    assert first is not None
    assert first.post.local_date == "2026-11-24"
    await admin.setup(GUILD, CHANNEL, "09:00", "America/Los_Angeles")
    # 2026-11-24 in Los Angeles has had no daily yet, whatever the first one's label says.
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=los_angeles))
    second = await delivered_daily(service, GUILD)
    assert second is not None
    assert second.post.local_date == "2026-11-24"
    assert await delivered_daily(service, GUILD) is None, "and only one"
    assert len(publisher.published) == 2


@pytest.mark.parametrize(
    ("correct", "answered", "shown"),
    [(23, 40, 58), (5, 8, 63), (1, 8, 13), (2, 3, 67), (1, 3, 33), (0, 0, 0), (7, 7, 100)],
)
def test_percentages_round_half_up_on_the_exact_fraction(
    correct: int, answered: int, shown: int
) -> None:
    assert Tally({}, answered, correct).percent_correct == shown
    stats = MemberStats(GUILD, "m", "M", answered=answered, correct=correct)
    assert stats.accuracy_percent == shown


async def test_a_click_from_another_guild_is_refused_and_changes_nothing(
    service: QuizService,
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE)
    with pytest.raises(NotFound, match="belongs to another server"):
        await service.answer(
            view.post.post_id, ALICE, choice=view.post.choice_order[0], guild_id="elsewhere"
        )
    assert await service.answer_of(view.post.post_id, ALICE.id) is None


@pytest.mark.parametrize("post_id", [10**25, 2**63, 0, -1])
async def test_a_forged_post_id_is_no_post(service: QuizService, post_id: int) -> None:
    with pytest.raises(NotFound):
        await service.answer(post_id, ALICE, choice=0)


async def test_a_pack_edit_that_drops_choices_closes_the_open_post(
    service: QuizService, store: ClosableStore, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.ENTRY)
    original = view.question
    assert original.choices is not None
    fewer = original.model_copy(update={"choices": original.choices[:2]})  # an edited pack
    others = [q for q in service.bank if q.id != original.id]
    service.engine.bank = QuestionBank([*others, fewer])
    with pytest.raises(NotFound, match="changed since it was posted"):
        await service.answer(view.post.post_id, BOB, choice=view.post.choice_order[0])
    clock.advance(minutes=2)
    assert await service.reveal(view.post.post_id) is None  # closed ungraded, no crash
    assert (await store.post(view.post.post_id)).revealed_at is not None  # type: ignore[union-attr]
    await service.deliveries.run_due()
    assert publisher.reveals == []
    assert [post.post_id for post in publisher.withdrawn] == [view.post.post_id], "no live buttons"
    with pytest.raises(PostClosed):  # closed for this process's cache of open posts too
        await service.answer(view.post.post_id, BOB, choice=view.post.choice_order[0])


async def test_self_grading_a_choice_question_explains_who_grades_it(
    service: QuizService, clock: FakeClock
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.ENTRY)
    await service.answer(view.post.post_id, ALICE, choice=view.post.choice_order[0])
    clock.advance(minutes=5)
    await service.reveal(view.post.post_id)
    with pytest.raises(InvalidInput, match="Only open \\(free-text\\) questions are self-graded"):
        await service.self_grade(view.post.post_id, ALICE, correct=True)
