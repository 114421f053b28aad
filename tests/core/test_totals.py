"""Every stored total, recomputed from the answers table after a random session, agrees.

The running totals (member, per level, week, month, streaks) are updated piecemeal at
reveals and self-grades; this replays a seeded session with many members, dailies (one
never delivered, one revealed after a zone change), draws, private practice, open
questions graded in time, late or never, and checks the totals against a reference
computed from scratch. Week and month points are read from the boards, where everyone
graded in the period shows, with 0 points if need be.
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.admin import GuildAdmin
from bot.core.bank import QuestionBank
from bot.core.errors import InvalidInput
from bot.core.model import Member, PostView
from bot.core.moderation import Moderation
from bot.core.questions import Difficulty
from bot.core.service import QuizService
from bot.storage.factory import ClosableStore
from tests.conftest import GUILD, delivered_daily, shown_draw
from tests.databases import Database
from tests.fakes import FakeClock, RecordingPublisher, question, small_bank

BERLIN = ZoneInfo("Europe/Berlin")
Totals = dict[object, tuple[int, int, int]]


async def reference(
    database: Database,
) -> tuple[Totals, dict[tuple[str, str], int], dict[str, tuple[int, int]]]:
    """Totals, period points and (current, best) streaks from answers and posts alone."""
    totals: dict[object, list[int]] = defaultdict(lambda: [0, 0, 0])
    periods: dict[tuple[str, str], int] = defaultdict(int)
    graded = await database.rows(
        "SELECT a.member_id, a.correct, p.difficulty, p.week_key, p.month_key "
        "FROM answers a JOIN posts p USING (post_id) "
        "WHERE p.kind != 'private' AND p.voided_at IS NULL AND a.correct IS NOT NULL"
    )
    for member, correct, level, week, month in graded:
        correct = int(correct)  # a flag: 0/1 on SQLite, a boolean on PostgreSQL
        points = Difficulty(level).points * correct
        for key in (member, (member, level)):
            totals[key][0] += 1
            totals[key][1] += correct
            totals[key][2] += points
        # Every graded answer puts its member on that week's and month's board, 0 points or not.
        periods[(member, week)] += points
        periods[(member, month)] += points
    dailies = await database.rows(
        "SELECT post_id, revealed_at FROM posts WHERE kind = 'daily' "
        "AND daily_seq IS NOT NULL ORDER BY daily_seq"
    )
    members = [m for (m,) in await database.rows("SELECT DISTINCT member_id FROM answers")]
    streaks: dict[str, tuple[int, int]] = {}
    for member in members:
        streak = best = held = run = 0
        for index, (post_id, _) in enumerate(dailies):
            next_reveal = dailies[index + 1][1] if index + 1 < len(dailies) else None
            found = await database.rows(
                "SELECT correct, self_graded, graded_at FROM answers "
                "WHERE post_id = ? AND member_id = ?",
                post_id,
                member,
            )
            row = found[0] if found else None
            # A self-grade moves a streak only if it came before the next daily's reveal.
            counts = row is not None and row[0] is not None
            if counts and row is not None and row[1] and next_reveal is not None:
                counts = row[2] < next_reveal
            alive = streak > 0
            if counts and row is not None and row[0] == 1:
                run = (run if alive else 0) + 1
                if run >= 7:  # a streak saver earned (at most 2 held)
                    held, run = min(held + 1, 2), 0
                streak += 1
            elif row is None or counts:  # missed, or graded wrong: a saver may bridge it
                if alive and held > 0:
                    held, run = held - 1, 0
                else:
                    streak, run = 0, 0
            else:  # an answer graded too late, or never: the streak ends, savers stay
                streak = 0
            best = max(best, streak)
        streaks[member] = (streak, best)
    return {k: (v[0], v[1], v[2]) for k, v in totals.items()}, dict(periods), streaks


async def stored(
    service: QuizService, database: Database
) -> tuple[Totals, dict[tuple[str, str], int], dict[str, tuple[int, int]]]:
    """The same figures as the bot keeps and shows them."""
    totals: Totals = {}
    periods: dict[tuple[str, str], int] = {}
    streaks: dict[str, tuple[int, int]] = {}
    members = [m for (m,) in await database.rows("SELECT DISTINCT member_id FROM answers")]
    keys = [k for (k,) in await database.rows("SELECT DISTINCT period FROM period_points")]
    for key in keys:
        periods.update(await period_board(service, key, members))
    for member in members:
        stats = await service.stats(GUILD, member)
        if stats is None:
            streaks[member] = (0, 0)
            continue
        if stats.answered:
            totals[member] = (stats.answered, stats.correct, stats.points)
        for level, ls in stats.by_level.items():
            if ls.answered:
                totals[(member, level.value)] = (ls.answered, ls.correct, ls.points)
        streaks[member] = (stats.streak, stats.best_streak)
    return totals, periods, streaks


async def period_board(
    service: QuizService, key: str, members: list[str]
) -> dict[tuple[str, str], int]:
    """A week's or month's points as its board shows them, checked against each member's
    own rank line: points first, then member id; equal points share a rank."""
    board = await service.store.top_points(GUILD, key, len(members) + 1)
    assert [(e.member_id, e.value) for e in board] == sorted(
        ((e.member_id, e.value) for e in board), key=lambda row: (-row[1], row[0])
    ), key
    shown = {e.member_id: e for e in board}
    for entry in board:
        assert entry.rank == 1 + sum(1 for e in board if e.value > entry.value), key
    for member in members:
        assert await service.store.points_rank(GUILD, key, member) == shown.get(member), key
    return {(e.member_id, key): e.value for e in board}


async def answer_randomly(
    service: QuizService, rng: random.Random, view: PostView, members: list[Member]
) -> None:
    question = view.question
    for member in members:
        roll = rng.random()
        if roll < 0.25:
            continue
        if question.is_choice:
            wrong = [i for i in view.post.choice_order if i != question.correct_index]
            choice = question.correct_index if roll < 0.7 else rng.choice(wrong)
            await service.answer(view.post.post_id, member, choice=choice)
        else:
            await service.answer(view.post.post_id, member, text=f"{member.name} says so")


async def self_grade_some(
    service: QuizService, rng: random.Random, post_id: int, members: list[Member], share: float
) -> None:
    for member in members:
        if rng.random() < share:
            # Refused when the member did not answer, or graded already.
            with contextlib.suppress(InvalidInput):
                await service.self_grade(post_id, member, correct=rng.random() < 0.6)


async def test_stored_totals_match_a_recomputation_from_the_answers(
    store: ClosableStore, clock: FakeClock, publisher: RecordingPublisher, database: Database
) -> None:
    # Plenty of open questions, so that dailies are often self-graded (in time or late).
    opens = [
        question(f"open-{level.value}", level, topics=("design",), open_question=True)
        for level in Difficulty
    ]
    service = QuizService(
        bank=QuestionBank([*small_bank(), *opens]), store=store, clock=clock,
        rng=random.Random(11), platform="test", publisher=publisher,
    )  # fmt: skip
    admin = GuildAdmin(service)
    # Self-grades score here, so that late and on-time self-grades both reach the totals.
    await Moderation(service).set_selfgrade(GUILD, True, by=Member("admin", "Admin"))
    rng = random.Random(2026)
    members = [Member(f"m{i:02d}", f"Member {i}") for i in range(15)]
    clock.set(datetime(2026, 11, 18, 12, 0, tzinfo=BERLIN))
    await admin.setup(GUILD, "daily", "09:00", "Europe/Berlin")
    open_dailies: list[int] = []  # open-question dailies, graded late by some
    start = datetime(2026, 11, 19, tzinfo=BERLIN)
    for day in range(24):
        clock.set(start + timedelta(days=day, hours=9))
        publisher.down = day == 6  # one day the platform is down: its daily never shows
        daily = await delivered_daily(service, GUILD)
        assert daily is not None
        posts = [daily] if daily.post.is_delivered else []
        for n in range(rng.randint(0, 2)):
            clock.advance(minutes=1)
            posts.append(
                await shown_draw(
                    service, GUILD, f"c{n}", members[0], topic=rng.choice([None, "design"])
                )
            )
        for view in posts:
            await answer_randomly(service, rng, view, members)
        practice = await service.draw(
            GUILD, "p", members[1], private=True, topic=rng.choice([None, "design"])
        )
        if practice.question.is_choice:
            await service.answer(
                practice.post.post_id, members[1], choice=practice.post.choice_order[0]
            )
        else:
            await service.answer(practice.post.post_id, members[1], text="practice")
            await service.self_grade(practice.post.post_id, members[1], correct=rng.random() < 0.5)
        if day == 12:  # the zone changes between a post and its reveal
            await admin.setup(GUILD, "daily", "09:00", "Pacific/Auckland")
            await admin.setup(GUILD, "daily", "09:00", "Europe/Berlin")
        clock.advance(hours=8)
        for view in posts:
            clock.advance(seconds=1)
            await service.reveal(view.post.post_id)
        clock.advance(minutes=30)
        for view in posts:
            if not view.question.is_choice:
                await self_grade_some(service, rng, view.post.post_id, members, 0.6)
        # The previous open daily: some grade it only now, after a newer daily was revealed.
        clock.advance(minutes=10)
        for post_id in open_dailies:
            await self_grade_some(service, rng, post_id, members, 0.8)
        open_dailies[:] = [
            view.post.post_id for view in posts if view is daily and not view.question.is_choice
        ]
        await service.deliveries.run_due()
        # Checked every day: a wrong step can heal by the end of a session.
        assert await stored(service, database) == await reference(database), f"day {day}"
    [voided] = await database.rows("SELECT COUNT(*) FROM posts WHERE voided_at IS NOT NULL")
    [late] = await database.rows(
        "SELECT COUNT(*) FROM answers a JOIN posts p USING (post_id) "
        "WHERE a.self_graded AND p.kind = 'daily' AND a.graded_at > ("
        "  SELECT MIN(n.revealed_at) FROM posts n WHERE n.kind = 'daily' "
        "  AND n.daily_seq > p.daily_seq)"
    )
    assert voided == (1,), "the session covered a daily that never counted"
    [zeros] = await database.rows("SELECT COUNT(*) FROM period_points WHERE points = 0")
    assert zeros[0] > 0, "the session covered members who scored nothing in a period"
    assert late[0] > 0, "the session covered self-grades after the next daily"
