"""Files quizbot must not open, each refused with one line that names the problem."""

from __future__ import annotations

import sqlite3
import stat
from contextlib import closing
from functools import partial
from pathlib import Path

import pytest

from bot.core.ports import StoreTx
from bot.storage.preflight import DatabaseRefused, check_database_file
from bot.storage.sqlite import SqliteStore


async def quizbot_db(path: Path, rows: int = 0) -> Path:
    """A real quizbot database with `rows` shuffle bags, checkpointed and closed."""
    store = await SqliteStore.open(path)
    for n in range(rows):
        await store.write(partial(_bag, n=n))
    await store.close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def refusal(path: Path, *, create: bool = True) -> str:
    with pytest.raises(DatabaseRefused) as refused:
        check_database_file(path, create=create)
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert "is a folder, not a database file" in refusal(tmp_path)


def test_an_empty_path_is_refused() -> None:
    assert "the database path is empty" in refusal(Path(""))


def test_a_missing_folder_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "quizbot.db"
    assert f"the folder {path.parent} does not exist" in refusal(path)
    assert not path.parent.exists()


def test_a_missing_file_is_refused_where_nothing_may_be_created(tmp_path: Path) -> None:
    assert "there is no database at" in refusal(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_a_text_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello, this is not SQLite at all, but long enough to have a header\n" * 3)
    assert refusal(path).endswith("is not a SQLite database")
    assert path.read_text().startswith("hello")


async def test_another_programs_database_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = path.read_bytes()
    with pytest.raises(DatabaseRefused, match="a SQLite database of another program"):
        await SqliteStore.open(path)
    assert path.read_bytes() == before, "no tables added, journal mode not switched"
    assert not (tmp_path / "app.db-wal").exists()


async def test_a_truncated_database_is_refused(tmp_path: Path) -> None:
    path = await quizbot_db(tmp_path / "q.db", rows=200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "is truncated" in refusal(path)


async def test_zeroed_pages_fail_the_quick_check(tmp_path: Path) -> None:
    path = await quizbot_db(tmp_path / "q.db", rows=200)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[2 * page : 6 * page] = bytes(4 * page)
    path.write_bytes(bytes(data))
    message = refusal(path)
    assert "is damaged" in message or "cannot be read as a database" in message
    assert "restore a backup" in message or "cannot be read" in message


async def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    path = await quizbot_db(tmp_path / "q.db")
    path.chmod(0o444)
    assert "is read-only" in refusal(path)
    check_database_file(path, create=False)  # reading it is fine


async def test_new_database_and_its_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = await SqliteStore.open(path)
    try:
        await store.write(lambda tx: tx.save_bag("g", "k", ["a"], "b"))
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    finally:
        await store.close()


async def test_a_healthy_database_passes(tmp_path: Path) -> None:
    path = await quizbot_db(tmp_path / "q.db", rows=10)
    check_database_file(path, create=True)
    check_database_file(path, create=False)


async def _bag(tx: StoreTx, n: int) -> None:
    await tx.save_bag(f"g{n}", "k", ["q" * 300] * 4, "q")
