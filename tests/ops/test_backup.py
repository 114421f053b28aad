"""Online backups of a real store while the service keeps committing answers."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from contextlib import closing
from functools import partial
from pathlib import Path

import pytest

from bot.core.model import Member
from bot.core.ports import StoreTx
from bot.core.service import QuizService
from bot.ops.backup import backup
from bot.ops.cli import backup_command
from bot.storage.factory import ClosableStore
from bot.storage.sqlite import SqliteStore
from tests.conftest import CHANNEL, GUILD


def count_answers(db: Path) -> int:
    """Committed answers, as a separate reader sees them."""
    with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn, conn:
        (count,) = conn.execute("SELECT count(*) FROM answers").fetchone()
    conn.close()
    return int(count)


def inspect(db: Path) -> tuple[str, int, int, list[object]]:
    """(integrity_check, user_version, answer count, foreign key violations) of a database."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        (integrity,) = conn.execute("PRAGMA integrity_check").fetchone()
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        (answers,) = conn.execute("SELECT count(*) FROM answers").fetchone()
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    return integrity, version, answers, orphans


class Answering:
    """Submits answers from ever new members, fifty at a time, until stopped."""

    def __init__(self, service: QuizService, post_id: int) -> None:
        self.service = service
        self.post_id = post_id
        self.sent = 0
        self.stopped = False
        self.progress = asyncio.Condition()

    async def run(self) -> None:
        """Answer in batches; each batch is acknowledged, hence committed, before the next."""
        while not self.stopped:
            batch = [Member(f"m{self.sent + i}", f"Member {self.sent + i}") for i in range(50)]
            await asyncio.gather(*(self.service.answer(self.post_id, m, choice=0) for m in batch))
            async with self.progress:
                self.sent += len(batch)
                self.progress.notify_all()

    async def reach(self, count: int) -> None:
        """Wait until `count` answers have been committed."""
        async with self.progress:
            await self.progress.wait_for(lambda: self.sent >= count)


def leftovers(folder: Path) -> list[Path]:
    """Partial backup files left in a folder."""
    return list(folder.glob(".*partial"))


async def test_backup_while_answers_are_committed(
    service: QuizService, store: ClosableStore, db_path: Path, tmp_path: Path
) -> None:
    view = await service.draw(GUILD, CHANNEL, Member("u0", "Owner"))
    post_id = view.post.post_id
    # Some bulk first, so that the copy takes long enough for commits to land meanwhile.
    await asyncio.gather(
        *(service.answer(post_id, Member(f"seed{i}", f"Seed {i}"), choice=0) for i in range(3000))
    )
    answering = Answering(service, post_id)
    writer = asyncio.create_task(answering.run())
    await answering.reach(100)

    before = count_answers(db_path)
    dest = tmp_path / "backup.db"
    await backup(db_path, dest)
    await answering.reach(answering.sent + 100)
    answering.stopped = True
    await writer
    after = count_answers(db_path)

    integrity, version, copied, orphans = inspect(dest)
    assert integrity == "ok"
    assert version == inspect(db_path)[1] >= 1
    assert orphans == []
    assert before <= copied <= after
    assert after == 3000 + answering.sent, "the store went on committing through the backup"
    assert leftovers(tmp_path) == [], "no partial file is left behind"
    # The copy is one self-contained file in rollback-journal mode.
    with closing(sqlite3.connect(dest)) as conn, conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


async def test_the_backup_opens_as_a_store(
    service: QuizService, db_path: Path, tmp_path: Path
) -> None:
    view = await service.draw(GUILD, CHANNEL, Member("u1", "Alice"))
    await service.answer(view.post.post_id, Member("u1", "Alice"), choice=0)
    dest = tmp_path / "copy" / "backup.db"
    dest.parent.mkdir()

    await backup(db_path, dest)

    restored = await SqliteStore.open(dest)
    try:
        answer = await restored.answer_of(view.post.post_id, "u1")
    finally:
        await restored.close()
    assert answer is not None
    assert answer.member.name == "Alice"


@pytest.mark.parametrize(
    ("src_name", "dest_name", "message"),
    [
        ("missing.db", "backup.db", "no such database file"),
        ("quiz.db", "existing.db", "refusing to overwrite"),
        ("quiz.db", "no-such-folder/backup.db", "does not exist"),
    ],
)
async def test_backup_refuses(
    store: ClosableStore, tmp_path: Path, src_name: str, dest_name: str, message: str
) -> None:
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"keep me")

    with pytest.raises(ValueError, match=message):
        await backup(tmp_path / src_name, tmp_path / dest_name)

    assert existing.read_bytes() == b"keep me"
    assert not (tmp_path / "missing.db").exists(), "a missing source is never created"


@pytest.fixture
async def stopped_db(tmp_path: Path) -> Path:
    """A migrated database that no store holds open."""
    path = tmp_path / "quizbot.db"
    store = await SqliteStore.open(path)
    await store.close()
    return path


def test_backup_command_messages(
    stopped_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "backup.db"

    assert backup_command(stopped_db, dest) == 0
    assert capsys.readouterr().out == f"backed up {stopped_db} to {dest}\n"

    assert backup_command(stopped_db, dest) == 1
    assert capsys.readouterr().err == (
        f"quizbot: backup failed: refusing to overwrite {dest}: choose a new file name\n"
    )


async def test_a_failed_backup_leaves_no_partial_files(tmp_path: Path) -> None:
    src = tmp_path / "damaged.db"
    store = await SqliteStore.open(src)
    for n in range(100):
        await store.write(partial(_bag, n=n))
    await store.close()
    data = bytearray(src.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[3 * page : 8 * page] = bytes(5 * page)  # pages zeroed on disk
    src.write_bytes(bytes(data))
    dest = tmp_path / "out" / "backup.db"
    dest.parent.mkdir()

    with pytest.raises((RuntimeError, sqlite3.DatabaseError)):
        await backup(src, dest)
    assert list(dest.parent.iterdir()) == []


async def test_a_backup_is_private(stopped_db: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup.db"
    await backup(stopped_db, dest)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


async def _bag(tx: StoreTx, n: int) -> None:
    await tx.save_bag(f"g{n}", "k", ["q" * 300] * 4, "q")
