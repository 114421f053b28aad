"""The learning loop on the engine: review cards, /review, explanations, stats and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card, State

from bot.core.admin import GuildAdmin
from bot.core.errors import InvalidInput, NotFound
from bot.core.learning_model import ReminderCandidate
from bot.core.model import Member, PostView
from bot.core.questions import Difficulty
from bot.core.review import should_remind
from bot.core.reviewing import NOT_ANSWERED, NOT_REVEALED, Reviews
from bot.core.service import QuizService
from bot.storage.factory import ClosableStore
from tests.conftest import CHANNEL, GUILD, posted_daily, shown_draw
from tests.databases import Database
from tests.fakes import FakeClock, RecordingNotifier

ALICE, BOB = Member("u1", "Alice"), Member("u2", "Bob")


def right(view: PostView) -> int:
    correct = view.question.correct_index
    assert correct is not None
    return correct


def wrong(view: PostView) -> int:
    return next(i for i in view.post.choice_order if i != right(view))


async def card_of(store: ClosableStore, member: Member, question_id: str) -> Card | None:
    found = await store.write(lambda tx: tx.cards(GUILD, question_id, [member.id]))
    stored = found.get(member.id)
    return Card.from_json(stored.state) if stored else None


async def answered_draw(
    service: QuizService, member: Member, *, correct: bool, private: bool = False, **draw: object
) -> PostView:
    view = await shown_draw(service, GUILD, CHANNEL, member, private=private, **draw)  # type: ignore[arg-type]
    await service.answer(view.post.post_id, member, choice=right(view) if correct else wrong(view))
    await service.reveal(view.post.post_id)
    return view


@pytest.mark.parametrize("private", [False, True], ids=["draw", "practice"])
async def test_every_graded_answer_schedules_the_card(
    service: QuizService, store: ClosableStore, clock: FakeClock, private: bool
) -> None:
    answered_at = clock.now()
    hit = await answered_draw(
        service, ALICE, correct=True, private=private, difficulty=Difficulty.MID
    )
    miss = await answered_draw(
        service, ALICE, correct=False, private=private, difficulty=Difficulty.EXPERT
    )
    good = await card_of(store, ALICE, hit.question.id)
    again = await card_of(store, ALICE, miss.question.id)
    assert good is not None
    assert again is not None
    assert good.last_review == answered_at, "the answer's time, from the injected clock"
    assert (good.state, good.due - answered_at) == (State.Review, timedelta(days=2))
    assert again.due - answered_at == timedelta(days=1)
    assert again.difficulty is not None
    assert good.difficulty is not None
    assert again.difficulty > good.difficulty


async def test_daily_answers_and_self_grades_schedule_cards(
    service: QuizService, admin: GuildAdmin, store: ClosableStore, clock: FakeClock
) -> None:
    await admin.setup(GUILD, CHANNEL, "08:00", "UTC")
    daily = await posted_daily(service, GUILD)
    assert daily is not None
    await service.answer(daily.post.post_id, BOB, choice=wrong(daily))
    clock.advance(hours=1)
    await service.reveal(daily.post.post_id)
    card = await card_of(store, BOB, daily.question.id)
    assert card is not None
    assert card.last_review == clock.now() - timedelta(hours=1), "answered, not revealed, at"

    opened = await shown_draw(service, GUILD, CHANNEL, ALICE, topic="design")
    await service.answer(opened.post.post_id, ALICE, text="a queue")
    await service.reveal(opened.post.post_id)
    assert await card_of(store, ALICE, "open-1") is None, "ungraded until the member grades"
    await service.self_grade(opened.post.post_id, ALICE, correct=True)
    assert await card_of(store, ALICE, "open-1") is not None


async def test_review_serves_the_most_overdue_card_privately_for_no_points(
    service: QuizService, reviews: Reviews, store: ClosableStore, clock: FakeClock
) -> None:
    older = await answered_draw(service, ALICE, correct=False, difficulty=Difficulty.JUNIOR)
    clock.advance(hours=2)
    newer = await answered_draw(service, ALICE, correct=False, difficulty=Difficulty.SENIOR)
    before = await service.stats(GUILD, ALICE.id)

    offer = await reviews.review(GUILD, CHANNEL, ALICE)
    assert offer.view is None
    assert offer.next_due == older.post.posted_at + timedelta(days=1)

    clock.advance(days=3)
    offer = await reviews.review(GUILD, CHANNEL, ALICE)
    assert offer.view is not None
    assert offer.view.question.id == older.question.id
    assert offer.view.post.owner_id == ALICE.id
    receipt = await service.answer(offer.view.post.post_id, ALICE, choice=right(offer.view))
    assert receipt.correct is True
    assert await service.stats(GUILD, ALICE.id) == before, "no points, no stats change"
    card = await card_of(store, ALICE, older.question.id)
    assert card is not None
    assert card.due > clock.now() + timedelta(days=1), "graded into the schedule"

    offer = await reviews.review(GUILD, CHANNEL, ALICE)
    assert offer.view is not None
    assert offer.view.question.id == newer.question.id


async def test_nothing_ever_answered_means_nothing_due(reviews: Reviews) -> None:
    offer = await reviews.review(GUILD, CHANNEL, BOB)
    assert (offer.view, offer.next_due, offer.held_back) == (None, None, 0)


async def test_why_was_i_wrong_tells_each_member_their_own_answer(
    service: QuizService, reviews: Reviews
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.MID)
    await service.answer(view.post.post_id, ALICE, choice=wrong(view))
    await service.answer(view.post.post_id, BOB, choice=right(view))
    with pytest.raises(InvalidInput) as early:
        await reviews.explain(view.post.post_id, ALICE)
    assert str(early.value) == NOT_REVEALED
    await service.reveal(view.post.post_id)

    alice = await reviews.explain(view.post.post_id, ALICE)
    assert (alice.answer.choice, alice.correct, alice.why) == (wrong(view), False, "no")
    bob = await reviews.explain(view.post.post_id, BOB)
    assert (bob.correct, bob.why) == (True, None)
    with pytest.raises(NotFound) as nobody:
        await reviews.explain(view.post.post_id, Member("u9", "Nobody"))
    assert str(nobody.value) == NOT_ANSWERED


async def test_stats_show_due_reviews_and_the_weakest_topics(
    service: QuizService, reviews: Reviews, clock: FakeClock
) -> None:
    # asyncio questions are basics too: 2 of 4 right on both; design: 1 of 3.
    for correct in (False, False, True, True):
        await answered_draw(service, ALICE, correct=correct, topic="asyncio")
    for correct in (False, False, True):
        view = await shown_draw(service, GUILD, CHANNEL, ALICE, topic="design")
        await service.answer(view.post.post_id, ALICE, text="hm")
        await service.reveal(view.post.post_id)
        await service.self_grade(view.post.post_id, ALICE, correct=correct)
    clock.advance(days=1, seconds=1)

    learning = await reviews.learning_stats(GUILD, ALICE.id)

    assert learning.due == 3, "the asyncio misses and the twice-missed design card, a day on"
    assert [(t.topic, t.answered, t.correct) for t in learning.weakest] == [
        ("design", 3, 1),
        ("asyncio", 4, 2),
        ("basics", 4, 2),
    ]
    assert learning.next_due is not None
    assert learning.savers.held == 0


@pytest.mark.parametrize(
    ("zone", "local_now", "last_sent", "due", "expected"),
    [
        ("Europe/Berlin", datetime(2027, 3, 28, 9, 0), None, 2, True),
        ("Europe/Berlin", datetime(2027, 3, 28, 8, 59), None, 2, False),  # before 09:00
        ("Europe/Berlin", datetime(2027, 3, 28, 10, 0), None, 0, False),  # nothing due
        # DST began at 02:00 that Sunday: 07:00 UTC is 09:00 local, the same local day.
        ("Europe/Berlin", datetime(2027, 3, 28, 23, 0), datetime(2027, 3, 28, 7, 0), 1, False),
        ("Europe/Berlin", datetime(2027, 3, 29, 9, 0), datetime(2027, 3, 28, 21, 30), 1, True),
        # 23:30 UTC on Oct 31 is already Nov 1 in Berlin, after the clocks went back.
        ("Europe/Berlin", datetime(2026, 11, 1, 9, 30), datetime(2026, 10, 31, 23, 30), 1, False),
        ("America/New_York", datetime(2026, 11, 2, 9, 0), datetime(2026, 11, 1, 14, 0), 4, True),
    ],
)
def test_at_most_one_reminder_a_local_day(
    zone: str, local_now: datetime, last_sent: datetime | None, due: int, expected: bool
) -> None:
    now = local_now.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    last = last_sent.replace(tzinfo=UTC) if last_sent else None
    assert should_remind(ReminderCandidate(GUILD, ALICE.id, zone, due, last), now) is expected


async def test_reminders_go_once_a_day_to_members_who_asked_and_have_reviews_due(
    service: QuizService,
    admin: GuildAdmin,
    reviews: Reviews,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "UTC")
    await answered_draw(service, ALICE, correct=False, difficulty=Difficulty.MID)
    await answered_draw(service, BOB, correct=False, difficulty=Difficulty.SENIOR)
    await reviews.set_reminder(GUILD, ALICE, True)
    assert await reviews.send_reminders() == 0, "nothing due yet"

    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert await reviews.send_reminders() == 1
    assert notifier.sent == [(GUILD, ALICE.id, 1)]
    clock.advance(hours=1)
    assert await reviews.send_reminders() == 0, "once a day"
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    assert await reviews.send_reminders() == 1

    await reviews.set_reminder(GUILD, ALICE, False)
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    assert await reviews.send_reminders() == 0
    assert not await reviews.reminder_on(GUILD, ALICE.id)


async def test_with_shards_each_guild_is_reminded_by_the_process_that_owns_it(
    service: QuizService,
    admin: GuildAdmin,
    reviews: Reviews,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    other_guild = "g2"
    await admin.setup(GUILD, CHANNEL, "09:00", "UTC")
    await admin.setup(other_guild, "c2", "09:00", "UTC")
    for guild, channel in ((GUILD, CHANNEL), (other_guild, "c2")):
        view = await shown_draw(service, guild, channel, ALICE)
        await service.answer(view.post.post_id, ALICE, choice=wrong(view))
        await service.reveal(view.post.post_id)
        await reviews.set_reminder(guild, ALICE, True)
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    # Two processes, one per shard, share the store: each reminds in its own guild only.
    assert await reviews.send_reminders(lambda guild_id: guild_id == GUILD) == 1
    assert await reviews.send_reminders(lambda guild_id: guild_id == other_guild) == 1
    assert sorted(notifier.sent) == [(GUILD, ALICE.id, 1), (other_guild, ALICE.id, 1)]
    assert await reviews.send_reminders() == 0, "once a day, whoever asks"


async def test_a_closed_inbox_is_tried_again_tomorrow_not_every_hour(
    service: QuizService,
    reviews: Reviews,
    notifier: RecordingNotifier,
    clock: FakeClock,
    admin: GuildAdmin,
) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "UTC")
    await answered_draw(service, ALICE, correct=False)
    await reviews.set_reminder(GUILD, ALICE, True)
    notifier.closed.add(ALICE.id)
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    assert await reviews.send_reminders() == 0
    notifier.closed.clear()
    clock.advance(hours=1)
    assert await reviews.send_reminders() == 0
    clock.advance(days=1)
    assert await reviews.send_reminders() == 1


async def test_cards_survive_a_restart(
    database: Database, service: QuizService, store: ClosableStore
) -> None:
    view = await answered_draw(service, ALICE, correct=True)
    rows = await database.rows("SELECT member_id, question_id, answered, correct FROM review_cards")
    assert rows == [(ALICE.id, view.question.id, 1, 1)]
