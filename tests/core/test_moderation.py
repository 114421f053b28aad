"""Reset, exclude, include and forget a member; every admin action lands in the audit log."""

from __future__ import annotations

import pytest

from bot.core.audit import AUDIT_SHOWN, AuditedAdmin
from bot.core.errors import InvalidInput
from bot.core.model import Member, Period, PostView, RankBy
from bot.core.moderation import MemberAction, Moderation, parse_action, parse_switch
from bot.core.questions import Difficulty
from bot.core.reviewing import Reviews
from bot.core.service import QuizService
from tests.conftest import CHANNEL, GUILD, shown_draw
from tests.databases import Database
from tests.fakes import FakeClock

ALICE, BOB, ADMIN = Member("u1", "Alice"), Member("u2", "Bob"), Member("a1", "Admin")
OTHER_GUILD = "g2"


def right(view: PostView) -> int:
    correct = view.question.correct_index
    assert correct is not None
    return correct


async def rows_about(database: Database, member_id: str, guild_id: str = GUILD) -> dict[str, int]:
    """Rows naming the member in the guild, per table (answers through their posts)."""
    found = {}
    for table, columns in sorted((await database.columns()).items()):
        for column in ("member_id", "owner_id", "target_id", "actor_id"):
            if column not in columns:
                continue
            if "guild_id" in columns:
                sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = ? AND guild_id = ?"
            else:
                sql = (
                    f"SELECT COUNT(*) FROM {table} AS t JOIN posts AS p "
                    f"ON p.post_id = t.post_id WHERE t.{column} = ? AND p.guild_id = ?"
                )
            [(count,)] = await database.rows(sql, member_id, guild_id)
            if count:
                found[f"{table}.{column}"] = count
    [(bags,)] = await database.rows(
        "SELECT COUNT(*) FROM bags WHERE bag_key LIKE ? AND guild_id = ?",
        f"private:{member_id}:%",
        guild_id,
    )
    if bags:
        found["bags"] = bags
    return found


async def play_a_little(service: QuizService, reviews: Reviews, guild: str = GUILD) -> None:
    for member in (ALICE, BOB):
        view = await shown_draw(service, guild, CHANNEL, member, difficulty=Difficulty.MID)
        await service.answer(view.post.post_id, ALICE, choice=right(view))
        await service.answer(view.post.post_id, BOB, choice=right(view))
        await service.reveal(view.post.post_id)
    practice = await shown_draw(
        service, guild, "p", ALICE, private=True, difficulty=Difficulty.ENTRY
    )
    await service.answer(practice.post.post_id, ALICE, choice=right(practice))
    await reviews.set_reminder(guild, ALICE, True)


async def test_forget_deletes_every_row_about_the_member_in_that_guild_only(
    service: QuizService, reviews: Reviews, moderation: Moderation, database: Database
) -> None:
    await play_a_little(service, reviews)
    await play_a_little(service, reviews, OTHER_GUILD)
    await moderation.apply(GUILD, MemberAction.EXCLUDE, ALICE, by=ADMIN)
    await moderation.apply(GUILD, MemberAction.INCLUDE, ALICE, by=ADMIN)
    before = await rows_about(database, ALICE.id)
    assert {"answers.member_id", "member_stats.member_id", "review_cards.member_id"} <= set(before)

    preview = await moderation.footprint(GUILD, ALICE.id)
    assert preview.answers == 3
    assert preview.cards == 3
    deleted = await moderation.forget(GUILD, ALICE, by=ADMIN)

    assert deleted == preview
    assert await rows_about(database, ALICE.id) == {}
    assert await rows_about(database, ALICE.id, OTHER_GUILD) != {}, "other guilds keep theirs"
    bob = await service.stats(GUILD, BOB.id)
    assert bob is not None
    assert bob.points == 6
    assert await service.stats(GUILD, ALICE.id) is None
    [latest, *_] = await service.store.audit(GUILD, 5)
    assert (latest.action, latest.target_id) == ("forget", None)
    assert ALICE.name not in " ".join(e.detail for e in await service.store.audit(GUILD, 20))


async def test_reset_clears_points_and_streaks_but_keeps_the_record(
    service: QuizService, reviews: Reviews, moderation: Moderation
) -> None:
    await play_a_little(service, reviews)
    message = await moderation.apply(GUILD, MemberAction.RESET, ALICE, by=ADMIN)
    assert message == "Alice's points, streaks and savers are reset."
    stats = await service.stats(GUILD, ALICE.id)
    assert stats is not None
    assert (stats.points, stats.answered, stats.correct) == (0, 2, 2)
    assert all(level.points == 0 for level in stats.by_level.values())
    # Alice answered this week all the same: on every points board, after Bob, with 0.
    for period in Period:
        board = await service.leaderboard(GUILD, ALICE.id, period=period, by=RankBy.POINTS)
        assert [(e.rank, e.name, e.value) for e in board.top] == [(1, "Bob", 6), (2, "Alice", 0)]
        assert board.caller is not None
        assert (board.caller.rank, board.caller.value) == (2, 0)
    nobody = await moderation.apply(GUILD, MemberAction.RESET, Member("u9", "Nobody"), by=ADMIN)
    assert nobody == "Nobody has no points or streaks here; nothing to reset."


async def test_every_admin_action_is_audited_newest_first(
    audited: AuditedAdmin, moderation: Moderation, clock: FakeClock
) -> None:
    started = clock.now()
    await audited.setup(GUILD, CHANNEL, "9:30", "Europe/Berlin", by=ADMIN)
    clock.advance(minutes=1)
    await audited.set_reveal(GUILD, daily="2h", by=ADMIN)
    await audited.set_difficulty(GUILD, "ramp", by=ADMIN)
    await audited.set_days(GUILD, "mon-fri", by=ADMIN)
    await audited.set_paused(GUILD, True, by=ADMIN)
    await audited.set_ping(GUILD, "r1", by=ADMIN)
    await moderation.set_selfgrade(GUILD, True, by=ADMIN)
    await moderation.apply(GUILD, MemberAction.EXCLUDE, BOB, by=ADMIN)
    with pytest.raises(InvalidInput):
        await audited.setup(GUILD, CHANNEL, "25:99", "UTC", by=ADMIN)

    entries = await audited.recent(GUILD)
    assert [e.action for e in entries] == [
        "exclude",
        "selfgrade",
        "ping",
        "pause",
        "days",
        "difficulty",
        "reveal",
        "setup",
    ], "a refused change is not an action"
    assert entries[-1].detail == "channel c1 at 09:30 Europe/Berlin"
    assert entries[-1].at == started
    assert {(e.actor_id, e.actor_name) for e in entries} == {("a1", "Admin")}
    assert entries[0].target_id == BOB.id

    for _ in range(25):
        await audited.set_paused(GUILD, False, by=ADMIN)
    assert len(await audited.recent(GUILD)) == AUDIT_SHOWN == 20


async def refuse_audit_entries(database: Database) -> None:
    """Make every insert into the audit log fail, as a full disk or a bug would."""
    if database.target.startswith("postgresql"):
        await database.rows(
            "CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$"
        )
        await database.rows(
            "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION no_audit()"
        )
    else:
        await database.rows(
            "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END"
        )


async def test_a_settings_change_is_saved_only_with_its_audit_entry(
    audited: AuditedAdmin, service: QuizService, database: Database
) -> None:
    await audited.setup(GUILD, CHANNEL, "09:00", "UTC", by=ADMIN)
    before = await service.config(GUILD)
    await refuse_audit_entries(database)
    with pytest.raises(Exception, match="audit log unavailable"):
        await audited.set_days(GUILD, "mon-fri", by=ADMIN)
    with pytest.raises(Exception, match="audit log unavailable"):
        await audited.setup(GUILD, "c2", "18:00", "Asia/Tokyo", by=ADMIN)
    assert await service.config(GUILD) == before, "no change without its audit entry"
    assert [entry.action for entry in await audited.recent(GUILD)] == ["setup"]


@pytest.mark.parametrize("word", ["ban", "", "resets"])
def test_unknown_member_actions_are_refused(word: str) -> None:
    with pytest.raises(InvalidInput, match="is not a member action: use reset, exclude"):
        parse_action(word)


@pytest.mark.parametrize(("word", "on"), [("on", True), ("OFF", False), ("yes", True)])
def test_switches(word: str, on: bool) -> None:
    assert parse_switch(word) is on


def test_a_bad_switch_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"'maybe' is neither on nor off\."):
        parse_switch("maybe")
