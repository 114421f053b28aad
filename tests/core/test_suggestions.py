"""Suggestions through the engine on a real SQLite file: validation, review and serving."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.core.community import Community
from bot.core.community_model import SuggestionStatus
from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.model import Member
from bot.core.questions import Difficulty
from bot.core.service import QuizService
from bot.core.suggestion_form import SuggestionRefused, credit_of
from bot.storage.sqlite import SqliteStore
from tests.community_fakes import GOOD_FORM, RecordingCommunityPublisher, form
from tests.conftest import CHANNEL, GUILD, shown_draw
from tests.fakes import FakeClock, small_bank

ALICE, BOB, ADMIN = Member("u1", "Alice"), Member("u2", "Bob"), Member("u9", "Admin")
OTHER_GUILD = "g2"


@pytest.fixture
def community_publisher() -> RecordingCommunityPublisher:
    """Records review posts, recaps, discussions and role changes."""
    return RecordingCommunityPublisher()


@pytest.fixture
def community(service: QuizService, community_publisher: RecordingCommunityPublisher) -> Community:
    """The community features on the test service."""
    return Community(service, community_publisher)


async def open_suggestions(community: Community, guild: str = GUILD) -> None:
    await community.admin.set_review_channel(guild, "review")


async def test_suggestions_are_closed_until_an_admin_picks_a_review_channel(
    community: Community, store: SqliteStore
) -> None:
    with pytest.raises(NotAllowed, match="Suggestions are not open here yet"):
        await community.suggestions.submit(GUILD, ALICE, GOOD_FORM)
    assert await store.suggestions(GUILD, SuggestionStatus.PENDING) == []


async def test_an_invalid_form_names_every_problem_and_stores_nothing(
    community: Community, store: SqliteStore
) -> None:
    await open_suggestions(community)
    bad = form(
        level="wizard",
        topics="asyncio, quantum, #Bad_Topic",
        prompt="x" * 1501,
        wrong=("", "`asyncio.sleep(coro)`", "`asyncio.create_task(coro)`"),
        why=("", "sleep takes seconds.", "same"),
        explanation="  ",
    )
    with pytest.raises(SuggestionRefused) as refused:
        await community.suggestions.submit(GUILD, ALICE, bad)
    problems = refused.value.problems
    assert "Unknown difficulty 'wizard' (expected one of entry, junior, mid, senior, expert)" in (
        problems
    )
    assert "Topic 3: 'bad_topic' is not a slug (lowercase letters, digits, single hyphens)" in (
        problems
    )
    assert "Question: is 1501 characters, the limit is 1500" in problems
    assert "Wrong answer 1: is empty" in problems
    assert "Why wrong answer 1 is wrong: is empty" in problems
    assert "Explanation: is empty" in problems
    assert "Unknown topic(s): quantum. Known topics: asyncio, basics, design." in problems
    assert str(refused.value).startswith("Your question was not saved:\n• ")
    assert await store.suggestions(GUILD, SuggestionStatus.PENDING) == []


async def test_two_equal_choices_are_refused(community: Community) -> None:
    await open_suggestions(community)
    twin = form(wrong=("`coro()` alone", "`asyncio.sleep(coro)`", "`asyncio.create_task(coro)`"))
    with pytest.raises(SuggestionRefused, match="• Choices: two choices have the same text"):
        await community.suggestions.submit(GUILD, ALICE, twin)


async def test_a_valid_suggestion_waits_in_the_review_channel(
    community: Community, community_publisher: RecordingCommunityPublisher, store: SqliteStore
) -> None:
    await open_suggestions(community)
    submitted = await community.suggestions.submit(GUILD, ALICE, GOOD_FORM)
    assert submitted.problem is None
    suggestion = submitted.suggestion
    assert suggestion.status is SuggestionStatus.PENDING
    assert suggestion.review_message_id == f"review-{suggestion.suggestion_id}"
    assert community_publisher.suggestions[-1].review_channel_id == "review"
    [stored] = await store.suggestions(GUILD, SuggestionStatus.PENDING)
    assert stored.review_message_id == suggestion.review_message_id
    assert stored.question.prompt == GOOD_FORM.prompt
    choices = stored.question.choices or []
    assert [c.correct for c in choices] == [True, False, False, False]
    assert stored.question.answer == [GOOD_FORM.correct]


async def test_a_member_has_at_most_five_pending_suggestions(community: Community) -> None:
    await open_suggestions(community)
    for n in range(5):
        await community.suggestions.submit(GUILD, ALICE, form(prompt=f"Question number {n}?"))
    with pytest.raises(InvalidInput, match="You already have 5 suggestions waiting for review"):
        await community.suggestions.submit(GUILD, ALICE, form(prompt="A sixth one?"))
    await community.suggestions.submit(GUILD, BOB, form(prompt="Bob's first?"))
    first = (await community.suggestions.pending(GUILD))[0]
    await community.suggestions.reject(GUILD, first.suggestion_id, ADMIN)
    await community.suggestions.submit(GUILD, ALICE, form(prompt="A sixth one?"))


async def test_the_same_question_as_a_pack_one_is_refused(community: Community) -> None:
    await open_suggestions(community)
    with pytest.raises(SuggestionRefused, match=r"the same question exists already \(mid-1\)"):
        await community.suggestions.submit(GUILD, ALICE, form(prompt="  prompt OF mid-1? "))


async def test_approved_questions_are_served_in_their_guild_only_with_credit(
    community: Community, service: QuizService
) -> None:
    await open_suggestions(community)
    submitted = await community.suggestions.submit(GUILD, ALICE, GOOD_FORM)
    approved = await community.suggestions.approve(GUILD, submitted.suggestion.suggestion_id, ADMIN)
    qid = approved.suggestion.question_id
    assert approved.suggestion.status is SuggestionStatus.APPROVED
    assert approved.suggestion.reviewer_name == "Admin"
    [entry, *_] = await service.store.audit(GUILD, 5)
    assert (entry.actor_name, entry.action, entry.detail) == ("Admin", "suggestion", "approved #1")

    drawn = set()
    for _ in range(2):
        view = await service.draw(
            GUILD, CHANNEL, BOB, difficulty=Difficulty.EXPERT, topic="asyncio", private=True
        )
        drawn.add(view.question.id)
    assert drawn == {"expert-0", qid}, "both matching questions before any repeats"
    for _ in range(3):
        other = await service.draw(
            OTHER_GUILD, CHANNEL, BOB, difficulty=Difficulty.EXPERT, topic="asyncio", private=True
        )
        assert other.question.id == "expert-0"

    view = await shown_draw(
        service, GUILD, CHANNEL, BOB, difficulty=Difficulty.EXPERT, topic="asyncio"
    )
    while view.question.id != qid:
        await service.reveal(view.post.post_id)
        view = await shown_draw(
            service, GUILD, CHANNEL, BOB, difficulty=Difficulty.EXPERT, topic="asyncio"
        )
    correct = view.question.correct_index
    assert correct is not None
    await service.answer(view.post.post_id, BOB, choice=correct)
    revealed = await service.reveal(view.post.post_id)
    assert revealed is not None
    assert credit_of(revealed.question) == "Alice"
    stats = await service.stats(GUILD, BOB.id)
    assert stats is not None
    assert stats.points >= Difficulty.EXPERT.points


async def test_a_restart_serves_approved_questions_again(
    community: Community, store: SqliteStore, clock: FakeClock
) -> None:
    await open_suggestions(community)
    submitted = await community.suggestions.submit(GUILD, ALICE, GOOD_FORM)
    await community.suggestions.approve(GUILD, submitted.suggestion.suggestion_id, ADMIN)

    fresh = QuizService(
        bank=small_bank(), store=store, clock=clock, rng=random.Random(1), platform="test"
    )
    assert fresh.guild_questions.of(GUILD) == []
    assert await Community(fresh).suggestions.load() == 1
    [served] = fresh.guild_questions.of(GUILD)
    assert served.id == submitted.suggestion.question_id
    assert credit_of(fresh.question(served.id)) == "Alice"


async def test_a_review_happens_once(community: Community) -> None:
    await open_suggestions(community)
    submitted = await community.suggestions.submit(GUILD, ALICE, GOOD_FORM)
    sid = submitted.suggestion.suggestion_id
    await community.suggestions.reject(GUILD, sid, ADMIN)
    with pytest.raises(InvalidInput, match=f"Suggestion #{sid} was already rejected by Admin."):
        await community.suggestions.approve(GUILD, sid, ADMIN)
    with pytest.raises(InvalidInput, match="already rejected"):
        await community.suggestions.edit(GUILD, sid, ADMIN, GOOD_FORM)


async def test_another_guilds_suggestion_cannot_be_reviewed_here(community: Community) -> None:
    await open_suggestions(community, OTHER_GUILD)
    submitted = await community.suggestions.submit(OTHER_GUILD, ALICE, GOOD_FORM)
    sid = submitted.suggestion.suggestion_id
    with pytest.raises(NotFound, match=f"There is no suggestion #{sid} here."):
        await community.suggestions.approve(GUILD, sid, ADMIN)


async def test_an_edit_is_validated_and_updates_the_review_post(
    community: Community, community_publisher: RecordingCommunityPublisher
) -> None:
    await open_suggestions(community)
    submitted = await community.suggestions.submit(GUILD, ALICE, GOOD_FORM)
    sid = submitted.suggestion.suggestion_id
    with pytest.raises(SuggestionRefused, match="The edit was not saved:\n• Explanation: is empty"):
        await community.suggestions.edit(GUILD, sid, ADMIN, form(explanation=""))
    edited = await community.suggestions.edit(
        GUILD, sid, ADMIN, form(level="senior", explanation="Better words.")
    )
    assert edited.suggestion.status is SuggestionStatus.PENDING
    assert edited.suggestion.question.difficulty is Difficulty.SENIOR
    assert edited.suggestion.question.explanation == "Better words."
    assert community_publisher.suggestions[-1].review_message_id == f"review-{sid}"
    assert len(community_publisher.suggestions) == 2, "the same review post, updated"


async def test_a_refusing_review_channel_keeps_the_suggestion_and_says_so(
    community: Community,
    community_publisher: RecordingCommunityPublisher,
    service: QuizService,
) -> None:
    await open_suggestions(community)
    community_publisher.failing_channels.add("review")
    submitted = await community.suggestions.submit(GUILD, ALICE, GOOD_FORM)
    assert submitted.problem is not None
    assert "Could not show suggestion #1 for review: Missing Permissions (403)" in (
        submitted.problem
    )
    assert (await service.config(GUILD)).last_error == submitted.problem


def test_the_form_round_trips_through_a_question(tmp_path: Path) -> None:
    from bot.core.suggestion_form import SuggestionForm, check_form

    question = check_form(GOOD_FORM, ["asyncio"])
    assert SuggestionForm.of(question) == GOOD_FORM
