"""The ops commands pointed at PostgreSQL: health checks it, file commands say what to use."""

from __future__ import annotations

import asyncio

import pytest

from bot.__main__ import main
from tests.databases import PgCluster


@pytest.mark.parametrize("command", [["backup", "out.db"], ["export", "--guild", "1"], ["guilds"]])
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
    assert capsys.readouterr().out == "healthy: database ok (PostgreSQL, schema version 1)\n"


def test_health_on_a_database_the_bot_never_used(
    pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(pg_cluster.create(migrated=False))
    assert main(["health", "--no-heartbeat", "--db", url]) == 1
    assert "has no quizbot schema (the bot never ran on it)" in capsys.readouterr().err


def test_health_without_a_heartbeat_is_unhealthy(
    pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(pg_cluster.create())
    assert main(["health", "--db", url]) == 1
    assert "no heartbeat at" in capsys.readouterr().err
