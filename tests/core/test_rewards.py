"""Role rewards on a real SQLite file: streak roles, the monthly top scorer, retried changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.admin import GuildAdmin
from bot.core.community import Community
from bot.core.community_model import RewardKind
from bot.core.community_ports import RoleChangeFailed
from bot.core.errors import InvalidInput
from bot.core.model import Member
from bot.core.moderation import MemberAction, Moderation
from bot.core.questions import Difficulty
from bot.core.rewards import plan_changes, previous_month, retry_delay
from bot.core.service import QuizService
from tests.community_fakes import RecordingCommunityPublisher
from tests.conftest import GUILD, posted_daily, shown_draw
from tests.fakes import FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
ALICE, BOB, CAROL = Member("u1", "Alice"), Member("u2", "Bob"), Member("u3", "Carol")
STREAKER, CHAMPION = "role-streak", "role-champ"


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def roles() -> RecordingCommunityPublisher:
    return RecordingCommunityPublisher()


@pytest.fixture
async def community(
    service: QuizService, admin: GuildAdmin, roles: RecordingCommunityPublisher
) -> Community:
    await admin.setup(GUILD, "c1", "09:00", "Europe/Berlin")
    return Community(service, roles)


async def daily(
    service: QuizService, clock: FakeClock, day: int, results: dict[Member, bool]
) -> None:
    """November `day`'s daily question, answered as given, then revealed at 18:00."""
    clock.set(berlin(2026, 11, day, 9, 0))
    view = await posted_daily(service, GUILD)
    assert view is not None
    correct = view.question.correct_index
    assert correct is not None
    wrong = next(i for i in view.post.choice_order if i != correct)
    for member, right in results.items():
        await service.answer(view.post.post_id, member, choice=correct if right else wrong)
    clock.set(berlin(2026, 11, day, 18, 0))
    await service.reveal(view.post.post_id)


def test_plan_changes_gives_takes_and_moves_roles() -> None:
    held = {"a": "r1", "b": "r1", "c": "old"}
    holders, changes = plan_changes(held, {"a", "c", "d"}, "r1")
    assert holders == {"a": "r1", "c": "r1", "d": "r1"}
    assert changes == [
        ("b", "r1", False),
        ("c", "old", False),
        ("c", "r1", True),
        ("d", "r1", True),
    ]
    assert plan_changes(held, {"a"}, None) == (
        {},
        [("a", "r1", False), ("b", "r1", False), ("c", "old", False)],
    )


def test_retries_back_off() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


@pytest.mark.parametrize(
    ("now", "month"),
    [
        (berlin(2026, 12, 1, 0, 5), "2026-11"),
        (berlin(2026, 11, 30, 23, 55), "2026-10"),  # still November in Berlin (22:55 UTC)
        (berlin(2027, 1, 1, 0, 0), "2026-12"),
    ],
)
def test_the_previous_month_is_local(now: datetime, month: str) -> None:
    assert previous_month(now.astimezone(UTC), "Europe/Berlin") == month


async def test_the_streak_role_follows_the_streak(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    roles: RecordingCommunityPublisher,
) -> None:
    await community.rewards.set_streak(GUILD, 2, STREAKER)
    await daily(service, clock, 24, {ALICE: True, BOB: True, CAROL: True})
    await community.rewards.idle()
    assert roles.holders(GUILD, STREAKER) == set()

    await daily(service, clock, 25, {ALICE: True, BOB: False, CAROL: True})
    await community.rewards.idle()
    assert roles.holders(GUILD, STREAKER) == {ALICE.id, CAROL.id}

    await daily(service, clock, 26, {ALICE: True})  # Carol misses it: her streak ends
    await community.rewards.idle()
    assert roles.holders(GUILD, STREAKER) == {ALICE.id}
    assert roles.role_calls.count((GUILD, ALICE.id, STREAKER, True)) == 1, "given once"

    await community.rewards.clear(GUILD, RewardKind.STREAK)
    await community.rewards.idle()
    assert roles.holders(GUILD, STREAKER) == set()


async def test_a_new_streak_role_moves_holders_to_it(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    roles: RecordingCommunityPublisher,
) -> None:
    await daily(service, clock, 24, {ALICE: True})
    await community.rewards.set_streak(GUILD, 1, STREAKER)
    await community.rewards.idle()
    assert roles.holders(GUILD, STREAKER) == {ALICE.id}, "current streaks count at once"
    await community.rewards.set_streak(GUILD, 1, "role-new")
    await community.rewards.idle()
    assert roles.holders(GUILD, STREAKER) == set()
    assert roles.holders(GUILD, "role-new") == {ALICE.id}


async def test_a_refused_change_is_retried_with_backoff(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    roles: RecordingCommunityPublisher,
) -> None:
    roles.role_failures = [RoleChangeFailed("503 Service Unavailable", retry=True)]
    await daily(service, clock, 24, {ALICE: True})
    await community.rewards.set_streak(GUILD, 1, STREAKER)
    await community.rewards.idle()
    assert roles.holders(GUILD, STREAKER) == set()
    assert len(roles.role_calls) == 1

    clock.advance(seconds=29)
    await community.tick()
    assert len(roles.role_calls) == 1, "not before its backoff"
    clock.advance(seconds=2)
    await community.tick()
    assert roles.holders(GUILD, STREAKER) == {ALICE.id}
    await community.tick()
    assert len(roles.role_calls) == 2


async def test_a_change_the_platform_forbids_is_given_up_and_reported(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    roles: RecordingCommunityPublisher,
) -> None:
    roles.role_failures = [RoleChangeFailed("the role is above mine", retry=False)]
    await daily(service, clock, 24, {ALICE: True})
    await community.rewards.set_streak(GUILD, 1, STREAKER)
    await community.rewards.idle()
    clock.advance(hours=1)
    await community.tick()
    assert len(roles.role_calls) == 1
    config = await service.config(GUILD)
    assert config.last_error == "Could not give a reward role: the role is above mine"


async def test_the_months_top_scorer_gets_the_role_at_the_local_month_end(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    roles: RecordingCommunityPublisher,
) -> None:
    clock.set(berlin(2026, 11, 10, 12, 0))
    await community.rewards.set_monthly(GUILD, CHAMPION)
    for member, level in ((ALICE, Difficulty.ENTRY), (BOB, Difficulty.EXPERT)):
        view = await shown_draw(service, GUILD, f"ch-{member.id}", member, difficulty=level)
        assert view.question.correct_index is not None
        await service.answer(view.post.post_id, member, choice=view.question.correct_index)
        await service.reveal(view.post.post_id)

    clock.set(berlin(2026, 11, 30, 23, 59))
    await community.tick()
    assert roles.holders(GUILD, CHAMPION) == set(), "November is not over in Berlin"

    clock.set(berlin(2026, 12, 1, 0, 0))
    await community.tick()
    await community.rewards.idle()
    assert roles.holders(GUILD, CHAMPION) == {BOB.id}

    clock.set(berlin(2026, 12, 15, 12, 0))
    for _ in range(2):
        view = await shown_draw(service, GUILD, "ch-a", ALICE, difficulty=Difficulty.EXPERT)
        assert view.question.correct_index is not None
        await service.answer(view.post.post_id, ALICE, choice=view.question.correct_index)
        await service.reveal(view.post.post_id)
    await community.tick()
    assert roles.holders(GUILD, CHAMPION) == {BOB.id}, "once a month"

    clock.set(berlin(2027, 1, 1, 0, 1))
    await community.tick()
    await community.rewards.idle()
    assert roles.holders(GUILD, CHAMPION) == {ALICE.id}, "taken from last month's winner"
    await community.tick()
    assert len(roles.role_calls) == 3


async def test_turning_monthly_on_waits_for_this_months_end(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    roles: RecordingCommunityPublisher,
) -> None:
    clock.set(berlin(2026, 10, 20, 12, 0))
    view = await shown_draw(service, GUILD, "ch", ALICE, difficulty=Difficulty.MID)
    assert view.question.correct_index is not None
    await service.answer(view.post.post_id, ALICE, choice=view.question.correct_index)
    await service.reveal(view.post.post_id)
    clock.set(berlin(2026, 11, 5, 12, 0))
    await community.rewards.set_monthly(GUILD, CHAMPION)
    await community.tick()
    assert roles.role_calls == [], "October's winner is not rewarded after the fact"


async def test_a_streak_length_out_of_range_is_refused(community: Community) -> None:
    for length in (0, 366):
        with pytest.raises(InvalidInput, match="needs a length from 1 to 365"):
            await community.rewards.set_streak(GUILD, length, STREAKER)
    status = await community.admin.status(GUILD)
    assert status.settings.streak_role_id is None


async def test_a_missed_month_end_is_caught_up_later(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    roles: RecordingCommunityPublisher,
) -> None:
    clock.set(berlin(2026, 11, 2, 12, 0))
    await community.rewards.set_monthly(GUILD, CHAMPION)
    view = await shown_draw(service, GUILD, "ch", CAROL, difficulty=Difficulty.MID)
    assert view.question.correct_index is not None
    await service.answer(view.post.post_id, CAROL, choice=view.question.correct_index)
    await service.reveal(view.post.post_id)
    clock.set(berlin(2026, 12, 3, 12, 0) + timedelta(hours=1))  # the bot was down until then
    await community.tick()
    await community.rewards.idle()
    assert roles.holders(GUILD, CHAMPION) == {CAROL.id}


async def test_an_excluded_member_gets_no_reward_and_admin_changes_are_audited(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    roles: RecordingCommunityPublisher,
) -> None:
    admin = Member("u9", "Admin")
    await daily(service, clock, 24, {ALICE: True, BOB: True})
    await Moderation(service).apply(GUILD, MemberAction.EXCLUDE, BOB, by=admin)
    await community.rewards.set_streak(GUILD, 1, STREAKER, by=admin)
    await community.rewards.idle()
    assert roles.holders(GUILD, STREAKER) == {ALICE.id}
    await community.rewards.clear(GUILD, RewardKind.STREAK, by=admin)
    entries = await service.store.audit(GUILD, 10)
    assert [(e.actor_name, e.action, e.detail) for e in entries[:2]] == [
        ("Admin", "rewards", "streak_length None, streak_role_id None"),
        ("Admin", "rewards", f"streak_length 1, streak_role_id {STREAKER}"),
    ]
