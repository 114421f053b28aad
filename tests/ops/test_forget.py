"""`quizbot forget` from the shell: counts first, deletes with --yes, audits the shell."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.model import Member
from bot.core.service import QuizService
from bot.storage.sqlite import SqliteStore
from tests.fakes import FakeClock, small_bank

GUILD = "g1"
ALICE, BOB = Member("u1", "Alice"), Member("u2", "Bob")


async def played(db: Path, clock: FakeClock) -> None:
    store = await SqliteStore.open(db)
    try:
        service = QuizService(
            bank=small_bank(), store=store, clock=clock, rng=random.Random(2), platform="discord"
        )
        view = await service.draw(GUILD, "c1", ALICE, topic="asyncio")
        correct = view.question.correct_index
        for member in (ALICE, BOB):
            await service.answer(view.post.post_id, member, choice=correct)
        await service.reveal(view.post.post_id)
    finally:
        await store.close()


def count(db: Path, sql: str, *params: str) -> int:
    with closing(sqlite3.connect(db)) as conn, conn:
        return int(conn.execute(sql, params).fetchone()[0])


@pytest.fixture
async def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "quiz.db"
    await played(path, clock)
    return path


def test_without_yes_it_only_counts(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forget", "--db", str(db), "--guild", GUILD, "--member", ALICE.id]) == 1
    out = capsys.readouterr().out
    assert out.startswith("member u1 of g1 has 1 answer(s), 4 stats row(s), 1 review card(s)")
    assert "run again with --yes" in out
    assert count(db, "SELECT COUNT(*) FROM answers WHERE member_id = ?", ALICE.id) == 1


def test_with_yes_it_forgets_and_audits(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forget", "--db", str(db), "--guild", GUILD, "--member", ALICE.id, "--yes"]) == 0
    assert capsys.readouterr().out.startswith("forgot member u1 of g1: deleted 1 answer(s)")
    for table in ("answers", "member_stats", "level_stats", "review_cards"):
        assert count(db, f"SELECT COUNT(*) FROM {table} WHERE member_id = ?", ALICE.id) == 0
    assert count(db, "SELECT COUNT(*) FROM answers WHERE member_id = ?", BOB.id) == 1
    assert count(db, "SELECT COUNT(*) FROM audit_log WHERE actor_id = 'shell'") == 1


@pytest.mark.parametrize(
    ("guild", "member", "message"),
    [
        ("nope", ALICE.id, "has no server or workspace 'nope'; `quizbot guilds` lists them"),
        (GUILD, "u404", "nothing about member 'u404' in 'g1'"),
    ],
)
def test_unknown_guild_or_member_is_one_line(
    db: Path, capsys: pytest.CaptureFixture[str], guild: str, member: str, message: str
) -> None:
    assert main(["forget", "--db", str(db), "--guild", guild, "--member", member, "--yes"]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
