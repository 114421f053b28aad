"""No path shows a key early, self-grades farm nothing, excluded members are kept out."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.core.admin import GuildAdmin
from bot.core.bank import QuestionBank
from bot.core.errors import NoQuestions, NotAllowed, PostClosed
from bot.core.learning import EXCLUDED, LIVE_NOW
from bot.core.model import Member, Period, PostView, RankBy
from bot.core.moderation import MemberAction, Moderation
from bot.core.questions import Difficulty
from bot.core.reviewing import LIVE_AGAIN, Reviews
from bot.core.service import ALL_LIVE, QuizService
from bot.storage.sqlite import SqliteStore
from tests.conftest import CHANNEL, GUILD, posted_daily, shown_draw
from tests.fakes import FakeClock, RecordingPublisher, question

ALICE, BOB, ADMIN = Member("u1", "Alice"), Member("u2", "Bob"), Member("a1", "Admin")


def right(view: PostView) -> int:
    correct = view.question.correct_index
    assert correct is not None
    return correct


def wrong(view: PostView) -> int:
    return next(i for i in view.post.choice_order if i != right(view))


async def test_practice_never_serves_a_question_open_as_a_public_draw(
    service: QuizService,
) -> None:
    public = await shown_draw(service, GUILD, CHANNEL, BOB, difficulty=Difficulty.MID)
    drawn = {
        (
            await shown_draw(
                service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.MID, private=True
            )
        ).question.id
        for _ in range(12)
    }
    assert public.question.id not in drawn
    assert len(drawn) == 2, "the other mid questions are still served"


async def test_practice_never_serves_the_open_daily(
    service: QuizService, admin: GuildAdmin, clock: FakeClock
) -> None:
    await admin.setup(GUILD, CHANNEL, "08:00", "UTC")
    await admin.set_difficulty(GUILD, "mid")
    daily = await posted_daily(service, GUILD)
    assert daily is not None
    for _ in range(12):
        practice = await shown_draw(
            service, GUILD, "elsewhere", ALICE, difficulty=Difficulty.MID, private=True
        )
        assert practice.question.id != daily.question.id
    await service.reveal(daily.post.post_id)
    served = {
        (
            await shown_draw(service, GUILD, "x", ALICE, difficulty=Difficulty.MID, private=True)
        ).question.id
        for _ in range(12)
    }
    assert daily.question.id in served, "after its reveal the question is fair game again"


async def test_a_public_draw_never_repeats_the_open_daily(
    service: QuizService, admin: GuildAdmin
) -> None:
    """Its reveal, a minute later, would show the daily's key hours early."""
    await admin.setup(GUILD, CHANNEL, "08:00", "UTC")
    await admin.set_difficulty(GUILD, "mid")
    daily = await posted_daily(service, GUILD)
    assert daily is not None
    for n in range(8):
        draw = await shown_draw(service, GUILD, f"channel-{n}", BOB, difficulty=Difficulty.MID)
        assert draw.question.id != daily.question.id
        await service.reveal(draw.post.post_id)


async def test_when_every_match_is_live_the_draw_says_so(service: QuizService) -> None:
    await shown_draw(service, GUILD, CHANNEL, BOB, topic="design")
    with pytest.raises(NoQuestions) as refused:
        await shown_draw(service, GUILD, CHANNEL, ALICE, topic="design", private=True)
    assert str(refused.value) == ALL_LIVE


async def test_practice_drawn_before_its_question_went_live_keeps_its_key(
    store: SqliteStore, clock: FakeClock, publisher: RecordingPublisher
) -> None:
    service = QuizService(
        bank=QuestionBank([question("solo")]),
        store=store,
        clock=clock,
        rng=random.Random(3),
        platform="test",
        publisher=publisher,
    )
    practice = await shown_draw(service, GUILD, CHANNEL, ALICE, private=True)
    public = await shown_draw(service, GUILD, CHANNEL, BOB)
    assert public.question.id == practice.question.id == "solo"

    with pytest.raises(PostClosed) as refused:
        await service.answer(practice.post.post_id, ALICE, choice=right(practice))
    assert str(refused.value) == LIVE_NOW
    assert (await service.post(practice.post.post_id)).is_open, "nothing was revealed"

    await service.reveal(public.post.post_id)
    receipt = await service.answer(practice.post.post_id, ALICE, choice=right(practice))
    assert receipt.correct is True


async def test_review_skips_a_card_whose_question_is_live(
    service: QuizService, reviews: Reviews, clock: FakeClock
) -> None:
    missed = await shown_draw(
        service, GUILD, CHANNEL, ALICE, topic="design"
    )  # the only design question
    await service.answer(missed.post.post_id, ALICE, text="no idea")
    await service.reveal(missed.post.post_id)
    await service.self_grade(missed.post.post_id, ALICE, correct=False)
    clock.advance(days=2)
    live = await shown_draw(service, GUILD, CHANNEL, BOB, topic="design")

    offer = await reviews.review(GUILD, CHANNEL, ALICE)
    assert offer.view is None
    assert offer.held_back == 1

    await service.reveal(live.post.post_id)
    offer = await reviews.review(GUILD, CHANNEL, ALICE)
    assert offer.view is not None
    assert offer.view.question.id == "open-1"


async def test_why_was_i_wrong_waits_while_the_question_is_live_again(
    service: QuizService, reviews: Reviews
) -> None:
    first = await shown_draw(service, GUILD, CHANNEL, ALICE, topic="design")
    await service.answer(first.post.post_id, ALICE, text="a queue")
    await service.reveal(first.post.post_id)
    again = await shown_draw(service, GUILD, CHANNEL, BOB, topic="design")
    assert again.question.id == first.question.id
    with pytest.raises(PostClosed) as refused:
        await reviews.explain(first.post.post_id, ALICE)
    assert str(refused.value) == LIVE_AGAIN
    await service.reveal(again.post.post_id)
    assert (await reviews.explain(first.post.post_id, ALICE)).answer.text == "a queue"


async def self_graded_draw(service: QuizService, member: Member, correct: bool) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, member, topic="design")
    await service.answer(view.post.post_id, member, text="my answer")
    await service.reveal(view.post.post_id)
    await service.self_grade(view.post.post_id, member, correct=correct)


async def test_self_grades_count_in_stats_but_score_only_when_allowed(
    service: QuizService, moderation: Moderation
) -> None:
    for _ in range(3):
        await self_graded_draw(service, ALICE, True)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.answered, stats.correct, stats.points) == (3, 3, 0)
    assert stats.by_level[Difficulty.SENIOR].points == 0
    board = await service.leaderboard(GUILD, ALICE.id, period=Period.WEEK, by=RankBy.POINTS)
    assert [(e.name, e.value) for e in board.top] == [("Alice", 0)], "answered: on it with 0"

    await moderation.set_selfgrade(GUILD, True, by=ADMIN)
    await self_graded_draw(service, ALICE, True)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.answered, stats.correct, stats.points) == (4, 4, 4)
    board = await service.leaderboard(GUILD, ALICE.id, period=Period.WEEK, by=RankBy.POINTS)
    assert [(e.name, e.value) for e in board.top] == [("Alice", 4)]


async def test_an_excluded_member_is_refused_and_off_the_boards(
    service: QuizService, moderation: Moderation
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, difficulty=Difficulty.EXPERT)
    await service.answer(view.post.post_id, ALICE, choice=right(view))
    await service.answer(view.post.post_id, BOB, choice=right(view))
    await service.reveal(view.post.post_id)
    pending = await shown_draw(service, GUILD, CHANNEL, BOB, difficulty=Difficulty.ENTRY)
    await service.answer(pending.post.post_id, ALICE, choice=right(pending))

    await moderation.apply(GUILD, MemberAction.EXCLUDE, ALICE, by=ADMIN)

    with pytest.raises(NotAllowed) as refused:
        await service.answer(pending.post.post_id, ALICE, choice=right(pending))
    assert str(refused.value) == EXCLUDED
    with pytest.raises(NotAllowed):
        await shown_draw(service, GUILD, "other", ALICE, private=True)
    revealed = await service.reveal(pending.post.post_id)
    assert revealed is not None
    assert revealed.tally.answered == 0, "the answer given before the exclusion was dropped"
    board = await service.leaderboard(GUILD, ALICE.id, period=Period.ALL, by=RankBy.POINTS)
    assert [e.name for e in board.top] == ["Bob"]
    assert board.caller is None

    await moderation.apply(GUILD, MemberAction.INCLUDE, ALICE, by=ADMIN)
    board = await service.leaderboard(GUILD, ALICE.id, period=Period.ALL, by=RankBy.POINTS)
    assert [(e.rank, e.name) for e in board.top] == [(1, "Alice"), (1, "Bob")]
    again = await shown_draw(service, GUILD, CHANNEL, BOB)
    await service.answer(again.post.post_id, ALICE, choice=right(again))


async def test_an_excluded_member_cannot_self_grade_an_earlier_answer(
    service: QuizService, moderation: Moderation
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, ALICE, topic="design")
    await service.answer(view.post.post_id, ALICE, text="a queue")
    await service.reveal(view.post.post_id)
    await moderation.apply(GUILD, MemberAction.EXCLUDE, ALICE, by=ADMIN)
    with pytest.raises(NotAllowed):
        await service.self_grade(view.post.post_id, ALICE, correct=True)
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert stats.answered == 0, "the refused grade changed nothing"
    await moderation.apply(GUILD, MemberAction.INCLUDE, ALICE, by=ADMIN)
    assert await service.self_grade(view.post.post_id, ALICE, correct=True)


@pytest.mark.parametrize(
    ("period", "by"),
    [(Period.ALL, RankBy.POINTS), (Period.WEEK, RankBy.POINTS), (Period.ALL, RankBy.STREAK)],
)
async def test_ranks_below_an_excluded_member_move_up(
    service: QuizService,
    admin: GuildAdmin,
    moderation: Moderation,
    clock: FakeClock,
    period: Period,
    by: RankBy,
) -> None:
    await admin.setup(GUILD, CHANNEL, "08:00", "UTC")
    await admin.set_difficulty(GUILD, "expert")
    carol = Member("u3", "Carol")
    for day in range(2):
        clock.advance(days=day)
        daily = await posted_daily(service, GUILD)
        assert daily is not None
        await service.answer(daily.post.post_id, ALICE, choice=right(daily))
        if day == 1:
            await service.answer(daily.post.post_id, BOB, choice=right(daily))
        else:
            await service.answer(daily.post.post_id, carol, choice=right(daily))
        await service.reveal(daily.post.post_id)
    before = await service.leaderboard(GUILD, BOB.id, period=period, by=by)
    assert before.caller is not None
    assert before.caller.rank == 2
    await moderation.apply(GUILD, MemberAction.EXCLUDE, ALICE, by=ADMIN)
    after = await service.leaderboard(GUILD, BOB.id, period=period, by=by)
    assert after.caller is not None
    assert after.caller.rank == 1
    assert ALICE.id not in {e.member_id for e in after.top}


async def test_a_burst_of_answers_reads_the_exclusions_once(
    service: QuizService, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = await shown_draw(service, GUILD, CHANNEL, BOB)
    reads = []
    real = store.excluded

    async def counted(guild_id: str) -> frozenset[str]:
        reads.append(guild_id)
        return await real(guild_id)

    monkeypatch.setattr(store, "excluded", counted)
    service.hooks.exclusions_changed(GUILD)  # as after a restart: nothing cached
    members = [Member(f"m{i}", f"M{i}") for i in range(50)]
    await asyncio.gather(
        *(service.answer(view.post.post_id, m, choice=right(view)) for m in members)
    )
    assert reads == [GUILD]
