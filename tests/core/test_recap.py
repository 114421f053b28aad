"""The weekly recap on a real SQLite file: its slot in the guild's zone, window, DST, once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.admin import GuildAdmin
from bot.core.community import Community
from bot.core.community_model import CommunitySettings
from bot.core.errors import InvalidInput
from bot.core.model import GuildConfig, Member
from bot.core.moderation import MemberAction, Moderation
from bot.core.questions import Difficulty
from bot.core.recap import due_recap, next_recap, week_before
from bot.core.service import QuizService
from bot.storage.factory import ClosableStore
from tests.community_fakes import RecordingCommunityPublisher
from tests.conftest import GUILD, posted_daily, shown_draw
from tests.databases import Database
from tests.fakes import FakeClock, RecordingPublisher, small_bank

BERLIN = ZoneInfo("Europe/Berlin")
ALICE, BOB, CAROL = Member("u1", "Alice"), Member("u2", "Bob"), Member("u3", "Carol")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


CONFIG = GuildConfig(GUILD, "test", channel_id="c1", post_time=time(9, 0), timezone="Europe/Berlin")
ON = CommunitySettings(GUILD, "test", recap_on=True)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (berlin(2026, 3, 30, 8, 59), None),  # Monday, a minute early (first CEST Monday)
        (berlin(2026, 3, 30, 9, 0), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        (berlin(2026, 3, 30, 23, 59), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        (berlin(2026, 3, 31, 0, 1), None),  # the next local day: skipped, as a daily would be
        (berlin(2026, 3, 23, 9, 0), datetime(2026, 3, 23, 8, 0, tzinfo=UTC)),  # still CET
        (berlin(2026, 3, 29, 12, 0), None),  # Sunday
    ],
)
def test_the_recap_is_due_on_its_local_day_only(now: datetime, due: datetime | None) -> None:
    assert due_recap(ON, CONFIG, now.astimezone(UTC)) == due


def test_the_recap_is_off_by_default_and_needs_a_daily_channel() -> None:
    now = berlin(2026, 3, 30, 10, 0).astimezone(UTC)
    assert due_recap(CommunitySettings(GUILD, "test"), CONFIG, now) is None
    assert due_recap(ON, GuildConfig(GUILD, "test"), now) is None


def test_day_and_time_move_it() -> None:
    friday = CommunitySettings(GUILD, "test", recap_on=True, recap_day=4, recap_time=time(17, 30))
    now = berlin(2026, 10, 20, 12, 0).astimezone(UTC)
    assert next_recap(friday, CONFIG, now) == berlin(2026, 10, 23, 17, 30).astimezone(UTC)
    assert next_recap(ON, CONFIG, now) == berlin(2026, 10, 26, 9, 0).astimezone(UTC)


@pytest.mark.parametrize(
    ("end", "hours"),
    [
        (berlin(2026, 3, 30, 9, 0), 167),  # the week spring forward
        (berlin(2026, 10, 26, 9, 0), 169),  # the week fall back
        (berlin(2026, 6, 15, 9, 0), 168),
    ],
)
def test_a_recap_week_is_seven_local_days(end: datetime, hours: int) -> None:
    start = week_before(end.astimezone(UTC), "Europe/Berlin")
    assert start.astimezone(BERLIN).replace(tzinfo=None) == end.replace(
        day=end.day - 7, tzinfo=None
    )
    assert (end - start).total_seconds() == hours * 3600


async def answer_draw(
    service: QuizService,
    clock: FakeClock,
    when: datetime,
    level: Difficulty,
    results: dict[Member, bool],
) -> int:
    """A public draw at `when`, answered right or wrong as given, then revealed."""
    clock.set(when)
    view = await shown_draw(service, GUILD, f"ch-{when.isoformat()}", ALICE, difficulty=level)
    correct = view.question.correct_index
    assert correct is not None
    wrong = next(i for i in view.post.choice_order if i != correct)
    for member, right in results.items():
        await service.answer(view.post.post_id, member, choice=correct if right else wrong)
    await service.reveal(view.post.post_id)
    return view.post.post_id


@pytest.fixture
def publisher_c() -> RecordingCommunityPublisher:
    return RecordingCommunityPublisher()


async def tick(community: Community) -> None:
    """The community's minute, then the delivery worker's pass, as the bot runs them."""
    await community.tick()
    await community.service.deliveries.run_due()


@pytest.fixture
async def community(
    service: QuizService, admin: GuildAdmin, publisher_c: RecordingCommunityPublisher
) -> Community:
    await admin.setup(GUILD, "c1", "09:00", "Europe/Berlin")
    community = Community(service, publisher_c)
    await community.admin.set_recap(GUILD, on="on")
    return community


async def test_the_recap_sums_the_week_across_the_dst_change_once(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    publisher_c: RecordingCommunityPublisher,
) -> None:
    # The week before: one answer from Alice.
    await answer_draw(service, clock, berlin(2026, 3, 18, 12, 0), Difficulty.ENTRY, {ALICE: True})
    # Before the window (Monday 08:30 local): left out.
    await answer_draw(service, clock, berlin(2026, 3, 23, 8, 30), Difficulty.EXPERT, {CAROL: True})
    # The week (CET, then CEST from Sunday): Bob 3 + 5, Alice 3, Carol nothing right.
    await answer_draw(
        service,
        clock,
        berlin(2026, 3, 24, 20, 0),
        Difficulty.MID,
        {ALICE: True, BOB: True, CAROL: False},
    )
    hard = await answer_draw(
        service,
        clock,
        berlin(2026, 3, 28, 20, 0),
        Difficulty.EXPERT,
        {ALICE: False, BOB: True, CAROL: False},
    )
    # Monday 08:30 CEST is 06:30 UTC: still inside the window ending at 09:00 local.
    await answer_draw(service, clock, berlin(2026, 3, 30, 8, 30), Difficulty.ENTRY, {CAROL: False})

    clock.set(berlin(2026, 3, 30, 8, 59))
    await tick(community)
    assert publisher_c.recaps == []

    clock.set(berlin(2026, 3, 30, 9, 0))
    await tick(community)
    await tick(community)
    [recap] = publisher_c.recaps
    assert recap.week == "2026-W14"
    assert recap.start == berlin(2026, 3, 23, 9, 0).astimezone(UTC)
    assert recap.end == berlin(2026, 3, 30, 9, 0).astimezone(UTC)
    assert [(e.rank, e.name, e.value) for e in recap.top] == [(1, "Bob", 8), (2, "Alice", 3)]
    assert recap.hardest is not None
    assert recap.hardest.post.post_id == hard
    assert (recap.hardest.result.answered, recap.hardest.result.correct) == (3, 1)
    assert (recap.this_week.members, recap.this_week.answers) == (3, 7)
    assert (recap.last_week.members, recap.last_week.answers) == (2, 2)

    clock.set(berlin(2026, 3, 30, 23, 0))
    await tick(community)
    assert len(publisher_c.recaps) == 1, "once per week, however often the tick runs"

    clock.set(berlin(2026, 4, 6, 9, 0))
    await tick(community)
    assert [r.week for r in publisher_c.recaps] == ["2026-W14", "2026-W15"]
    assert publisher_c.recaps[1].top == [], "a quiet week has an empty board"
    assert publisher_c.recaps[1].hardest is None


async def test_a_recap_missed_for_a_whole_day_is_skipped(
    clock: FakeClock, community: Community, publisher_c: RecordingCommunityPublisher
) -> None:
    clock.set(berlin(2026, 11, 24, 9, 0))  # Tuesday: Monday's recap went unposted
    await tick(community)
    assert publisher_c.recaps == []


async def test_the_streak_board_comes_from_the_dailies(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    publisher_c: RecordingCommunityPublisher,
) -> None:
    for day in (24, 25):
        clock.set(berlin(2026, 11, day, 9, 0))
        view = await posted_daily(service, GUILD)
        assert view is not None
        assert view.question.correct_index is not None
        await service.answer(view.post.post_id, ALICE, choice=view.question.correct_index)
        await service.answer(view.post.post_id, BOB, choice=view.question.correct_index)
        clock.set(berlin(2026, 11, day, 18, 0))
        await service.reveal(view.post.post_id)
    clock.set(berlin(2026, 11, 30, 9, 1))
    await tick(community)
    [recap] = publisher_c.recaps
    assert [(e.name, e.value) for e in recap.streaks] == [("Alice", 2), ("Bob", 2)]


async def test_a_refusing_channel_is_reported_and_not_retried_all_day(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    publisher_c: RecordingCommunityPublisher,
) -> None:
    publisher_c.failing_channels.add("c1")
    clock.set(berlin(2026, 11, 30, 9, 0))
    await tick(community)
    config = await service.config(GUILD)
    assert config.last_error == "Could not post the recap: Missing Permissions (403)"
    publisher_c.failing_channels.clear()
    await tick(community)
    assert publisher_c.recaps == []


@pytest.mark.parametrize(
    ("on", "day", "at", "message"),
    [
        ("maybe", None, None, "'maybe' is neither on nor off."),
        (None, "funday", None, "'funday' is not a day: use mon, tue, wed, thu, fri, sat or sun."),
        (None, "fri", "25:00", "'25:00' is not a valid time"),
        (None, None, None, "Say what to change: on, off, a day (mon..sun) or a time (HH:MM)."),
    ],
)
async def test_bad_recap_settings_change_nothing(
    community: Community, on: str | None, day: str | None, at: str | None, message: str
) -> None:
    before = await community.admin.status(GUILD)
    with pytest.raises(InvalidInput) as refused:
        await community.admin.set_recap(GUILD, on=on, day=day, time=at)
    assert str(refused.value).startswith(message)
    assert await community.admin.status(GUILD) == before


async def test_the_recap_needs_the_daily_channel(service: QuizService) -> None:
    community = Community(service)
    with pytest.raises(InvalidInput, match="The weekly recap goes to the daily question's channel"):
        await community.admin.set_recap("g-new", on="on")
    settings = await community.admin.set_recap("g-new", day="fri", time="17:30")
    assert (settings.recap_on, settings.recap_day, settings.recap_time) == (
        False,
        4,
        time(17, 30),
    )


def test_the_hardest_question_needs_enough_answers_when_there_are_some() -> None:
    from bot.core.community_model import PostResult
    from bot.core.recap import hardest

    lone = PostResult(1, "a", 1, 0)
    busy = PostResult(2, "b", 4, 1)
    busier = PostResult(3, "c", 8, 2)
    assert hardest([lone, busy, busier]) == busier, "equal accuracy: more answers first"
    assert hardest([lone]) == lone
    assert hardest([]) is None


@pytest.mark.parametrize(
    ("text", "day"), [("mon", 0), ("Friday", 4), ("SAT", 5), ("wednes", 2), (" sun ", 6)]
)
def test_recap_days_by_name(text: str, day: int) -> None:
    from bot.core.community_admin import parse_weekday

    assert parse_weekday(text) == day


@pytest.mark.parametrize("text", ["mo", "monsoon", "7", "", "frieday"])
def test_other_words_are_not_days(text: str) -> None:
    from bot.core.community_admin import parse_weekday

    with pytest.raises(InvalidInput, match="is not a day"):
        parse_weekday(text)


async def test_an_excluded_member_stays_off_the_recap_board(
    service: QuizService,
    clock: FakeClock,
    community: Community,
    publisher_c: RecordingCommunityPublisher,
) -> None:
    await answer_draw(
        service, clock, berlin(2026, 11, 25, 12, 0), Difficulty.MID, {ALICE: True, BOB: True}
    )
    admin = Member("u9", "Admin")
    await Moderation(service).apply(GUILD, MemberAction.EXCLUDE, BOB, by=admin)
    clock.set(berlin(2026, 11, 30, 9, 0))
    await tick(community)
    [recap] = publisher_c.recaps
    assert [e.name for e in recap.top] == ["Alice"]


async def test_a_recap_survives_an_outage_and_a_stop_before_it_is_posted(
    database: Database, clock: FakeClock
) -> None:
    def community_on(store: ClosableStore) -> Community:
        service = QuizService(
            bank=small_bank(), store=store, clock=clock, rng=random.Random(5), platform="test",
            publisher=RecordingPublisher(),
        )  # fmt: skip
        return Community(service, RecordingCommunityPublisher())

    first = await database.open()
    try:
        community = community_on(first)
        await GuildAdmin(community.service).setup(GUILD, "c1", "09:00", "Europe/Berlin")
        await community.admin.set_recap(GUILD, on="on")
        clock.set(berlin(2026, 11, 30, 9, 0))
        await community.tick()  # claimed and recorded; the process stops before posting
    finally:
        await first.close()

    second = await database.open()
    try:
        community = community_on(second)
        recorded = community.publisher
        assert isinstance(recorded, RecordingCommunityPublisher)
        recorded.down = True
        clock.advance(minutes=1)
        await tick(community)
        assert recorded.recaps == [], "the platform is down: retried later"
        recorded.down = False
        clock.advance(minutes=1)
        await tick(community)
        [recap] = recorded.recaps
        assert recap.week == "2026-W49"
        assert recap.end == berlin(2026, 11, 30, 9, 0).astimezone(UTC)
        clock.advance(hours=1)
        await tick(community)
        assert len(recorded.recaps) == 1, "posted once"
    finally:
        await second.close()
