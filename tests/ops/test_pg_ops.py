"""The ops commands pointed at PostgreSQL: health checks it, file commands say what to use."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.__main__ import main
from bot.core.model import Member, PostView
from bot.core.service import QuizService
from bot.storage.pg_connect import redacted
from bot.storage.pg_migrate import newest_pg_version
from tests.conftest import shown_draw
from tests.databases import PgCluster, PostgresDatabase
from tests.fakes import FakeClock, small_bank

ALICE, BOB = Member("u1", "Alice"), Member("u2", "Bob")


def right(view: PostView) -> int:
    correct = view.question.correct_index
    assert correct is not None
    return correct


@pytest.mark.parametrize("command", [["backup", "out.db"], ["export", "--guild", "1"]])
def test_file_commands_point_to_pg_dump_in_one_line(
    pg_cluster: PgCluster, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(pg_cluster.create())
    assert main([*command, "--db", url]) == 2
    err = capsys.readouterr().err
    assert f"`{command[0]}` works on SQLite files; on PostgreSQL use pg_dump" in err
    assert err.count("\n") == 1


def test_health_on_a_migrated_database(
    pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(pg_cluster.create())
    assert main(["health", "--no-heartbeat", "--db", url]) == 0
    newest = newest_pg_version()
    assert (
        capsys.readouterr().out == f"healthy: database ok (PostgreSQL, schema version {newest})\n"
    )


def test_health_on_a_database_the_bot_never_used(
    pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(pg_cluster.create(migrated=False))
    assert main(["health", "--no-heartbeat", "--db", url]) == 1
    assert "has no quizbot schema (the bot never ran on it)" in capsys.readouterr().err


def test_guilds_on_an_empty_database_and_on_one_the_bot_never_used(
    pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(pg_cluster.create())
    assert main(["guilds", "--db", url]) == 0
    assert capsys.readouterr().out == f"no servers or workspaces in {redacted(url)} yet\n"

    never = asyncio.run(pg_cluster.create(migrated=False))
    assert main(["guilds", "--db", never]) == 2
    err = capsys.readouterr().err
    assert err.startswith("quizbot: database ")
    assert err.endswith("has no quizbot schema (the bot never ran on it)\n")
    assert err.count("\n") == 1


def test_health_without_a_heartbeat_is_unhealthy(
    pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(pg_cluster.create())
    assert main(["health", "--db", url]) == 1
    assert "no heartbeat at" in capsys.readouterr().err


def test_forget_on_postgresql_counts_then_deletes(
    pg_cluster: PgCluster, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(pg_cluster.create())
    database = PostgresDatabase(url)

    async def play() -> None:
        store = await database.open()
        try:
            service = QuizService(
                bank=small_bank(), store=store, clock=clock, rng=random.Random(2), platform="d"
            )
            view = await shown_draw(service, "g1", "c1", ALICE, topic="asyncio")
            for member in (ALICE, BOB):
                await service.answer(view.post.post_id, member, choice=right(view))
            await service.reveal(view.post.post_id)
        finally:
            await store.close()

    asyncio.run(play())
    forget = ["forget", "--db", url, "--guild", "g1", "--member", ALICE.id]
    assert main(forget) == 1
    assert "run again with --yes" in capsys.readouterr().out
    assert main([*forget, "--yes"]) == 0
    assert capsys.readouterr().out.startswith("forgot member u1 of g1: deleted 1 answer(s)")
    answers = asyncio.run(database.rows("SELECT member_id FROM answers ORDER BY member_id"))
    assert answers == [(BOB.id,)], "only Alice's rows are gone"
    [(actor,)] = asyncio.run(database.rows("SELECT actor_id FROM audit_log"))
    assert actor == "shell"
