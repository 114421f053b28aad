"""Shard plans: which guilds a process owns, and the command line that asks for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.sharding import ShardPlan, ShardPlanError


def guild_on(shard: int, count: int, n: int = 0) -> str:
    """A snowflake-like guild id on a shard."""
    return str(((1_000_000 + n * count + shard) << 22) | 17)


def test_a_plan_owns_exactly_its_shards_guilds() -> None:
    plan = ShardPlan.parse(4, "1,3")
    assert plan.ids == (1, 3)
    owned = [shard for shard in range(4) for n in range(3) if plan.owns(guild_on(shard, 4, n))]
    assert owned == [1, 1, 1, 3, 3, 3]


def test_without_ids_a_process_runs_every_shard() -> None:
    assert ShardPlan.parse(3, None).ids == (0, 1, 2)


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        (0, None, "--shard-count must be at least 1, not 0"),
        (2, "2", "--shard-ids 2 is outside 0..1 (--shard-count 2)"),
        (2, "0,0", "--shard-ids repeats a shard: 0,0"),
        (2, "a", "--shard-ids takes numbers like 0,1, not 'a'"),
        (2, ",", "--shard-ids names no shard"),
    ],
)
def test_impossible_plans_are_refused(count: int, ids: str | None, message: str) -> None:
    with pytest.raises(ShardPlanError) as refused:
        ShardPlan.parse(count, ids)
    assert str(refused.value) == message


def test_sqlite_refuses_more_than_one_shard_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    db = tmp_path / "quiz.db"
    code = main(["run", "--db", str(db), "--shard-count", "2", "--shard-ids", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "quizbot: --shard-count 2 needs PostgreSQL (QUIZBOT_DB=postgresql://...): "
        "a SQLite file serves one process\n"
    )
    assert not db.exists()


def test_shard_ids_alone_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    assert main(["run", "--db", str(tmp_path / "q.db"), "--shard-ids", "0"]) == 2
    assert capsys.readouterr().err == "quizbot: --shard-ids needs --shard-count\n"
