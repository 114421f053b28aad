"""`quizbot migrate-db`: a populated SQLite database into PostgreSQL and back, verified."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.admin import GuildAdmin
from bot.core.model import Member, Period, RankBy
from bot.core.moderation import MemberAction, Moderation
from bot.core.ports import Store
from bot.core.questions import Difficulty
from bot.core.service import QuizService
from bot.storage.factory import open_store
from tests.databases import Database, PgCluster, PostgresDatabase, SqliteDatabase
from tests.fakes import FakeClock, small_bank

TABLES = (
    "guilds", "posts", "answers", "member_stats", "level_stats", "period_points", "bags",
    "review_cards", "guild_rules", "audit_log", "excluded_members",
)  # fmt: skip
MEMBERS = [Member(f"u{i}", f"Member {i}") for i in range(12)]


def service_on(store: Store, clock: FakeClock) -> QuizService:
    return QuizService(
        bank=small_bank(), store=store, clock=clock, rng=random.Random(3), platform="discord"
    )


async def populate(target: str) -> None:
    """Three guilds: dailies over four days with streaks, draws, a self-graded open question,
    and one daily still open."""
    clock = FakeClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    store = await open_store(target)
    try:
        service = service_on(store, clock)
        admin = GuildAdmin(service)
        moderation = Moderation(service)
        rng = random.Random(5)
        for guild in ("g1", "g2", "g3"):
            await admin.setup(guild, f"{guild}-daily", "09:00", "UTC")
            await admin.set_difficulty(guild, "mid")
        for day in range(4):
            clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC) + timedelta(days=day))
            for guild in ("g1", "g2", "g3"):
                view = await service.post_daily(guild)
                assert view is not None
                for member in rng.sample(MEMBERS, 8):
                    await service.answer(
                        view.post.post_id, member, choice=rng.choice(view.post.choice_order)
                    )
                if day < 3:
                    await service.reveal(view.post.post_id)
            draw = await service.draw("g1", "g1-draws", MEMBERS[0], difficulty=Difficulty.EXPERT)
            for member in MEMBERS[:5]:
                await service.answer(draw.post.post_id, member, choice=draw.post.choice_order[0])
            await service.reveal(draw.post.post_id)
        opened = await service.draw("g2", "g2-open", MEMBERS[1], topic="design")
        await service.answer(opened.post.post_id, MEMBERS[1], text="a queue and a worker")
        await service.reveal(opened.post.post_id)
        await service.self_grade(opened.post.post_id, MEMBERS[1], correct=True)
        # A flag (BOOLEAN on PostgreSQL) and the audit trail of the actions.
        await moderation.set_selfgrade("g3", True, by=MEMBERS[0])
        await moderation.apply("g3", MemberAction.EXCLUDE, Member("u99", "Lurker"), by=MEMBERS[0])
    finally:
        await store.close()


async def snapshot(database: Database) -> dict[str, object]:
    """What members see, plus each table's row count."""
    store = await database.open()
    clock = FakeClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    try:
        service = service_on(store, clock)
        seen: dict[str, object] = {}
        for guild in ("g1", "g2", "g3"):
            for by in RankBy:
                board = await service.leaderboard(guild, "u1", period=Period.ALL, by=by)
                seen[f"{guild}-{by.value}"] = (board.top, board.caller)
            week = await service.leaderboard(guild, "u2", period=Period.WEEK, by=RankBy.POINTS)
            seen[f"{guild}-week"] = week.top
            seen[f"{guild}-stats"] = [await service.stats(guild, m.id) for m in MEMBERS]
        seen["open"] = [p.post_id for p in await service.due_reveals()]
    finally:
        await store.close()
    for table in TABLES:
        seen[table] = (await database.rows(f"SELECT COUNT(*) FROM {table}"))[0][0]
    return seen


def test_sqlite_to_postgres_and_back_keeps_everything(
    pg_cluster: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = SqliteDatabase(tmp_path / "source.db")
    asyncio.run(populate(source.target))
    pg = PostgresDatabase(asyncio.run(pg_cluster.create(migrated=False)))
    back = SqliteDatabase(tmp_path / "back.db")

    assert main(["migrate-db", source.target, pg.target]) == 0
    out = capsys.readouterr().out
    assert "row counts and column totals match in every table" in out
    assert main(["migrate-db", pg.target, back.target]) == 0

    before = asyncio.run(snapshot(source))
    assert before["answers"] == 3 * 4 * 8 + 4 * 5 + 1
    assert before["open"] != []
    assert asyncio.run(snapshot(pg)) == before
    assert asyncio.run(snapshot(back)) == before


def test_the_copy_continues_post_ids_after_the_copied_ones(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    source = SqliteDatabase(tmp_path / "source.db")
    asyncio.run(populate(source.target))
    pg = PostgresDatabase(asyncio.run(pg_cluster.create()))
    assert main(["migrate-db", source.target, pg.target]) == 0

    async def draw_after_copy() -> int:
        store = await pg.open()
        try:
            clock = FakeClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
            view = await service_on(store, clock).draw("g3", "new-channel", MEMBERS[0])
            return view.post.post_id
        finally:
            await store.close()

    [(highest,)] = asyncio.run(source.rows("SELECT MAX(post_id) FROM posts"))
    assert asyncio.run(draw_after_copy()) == highest + 1


def test_a_target_with_data_is_refused_in_one_line(
    pg_cluster: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = SqliteDatabase(tmp_path / "source.db")
    asyncio.run(populate(source.target))
    pg = PostgresDatabase(asyncio.run(pg_cluster.create()))
    assert main(["migrate-db", source.target, pg.target]) == 0
    capsys.readouterr()
    [(before,)] = asyncio.run(pg.rows("SELECT COUNT(*) FROM answers"))

    assert main(["migrate-db", source.target, pg.target]) == 2
    err = capsys.readouterr().err
    assert err.startswith("quizbot: migrate-db: ")
    assert "is not empty (table guilds has rows)" in err
    assert err.count("\n") == 1
    assert asyncio.run(pg.rows("SELECT COUNT(*) FROM answers")) == [(before,)]

    assert main(["migrate-db", pg.target, source.target]) == 2
    assert "is not empty" in capsys.readouterr().err
