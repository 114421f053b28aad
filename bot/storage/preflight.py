"""Checks on a SQLite file before quizbot opens it: ours, intact, writable, or refused."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.storage.migrate import migrations

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
# Tables every schema version has; a file with other tables and none of these belongs to
# some other program, and quizbot must not add its tables to it or switch it to WAL.
QUIZBOT_TABLES = frozenset({"guilds", "posts", "answers"})
# New databases and their WAL/shm files (SQLite gives those the database's mode) hold member
# ids and names: readable by the owner only.
FILE_MODE = 0o600


class DatabaseRefused(Exception):
    """A database file quizbot will not open; the message is one line naming the problem."""


def check_database_file(path: Path, *, create: bool) -> None:
    """Raise DatabaseRefused unless `path` is a quizbot database quizbot can use.

    With `create`, a missing file in an existing folder is created (mode 0600) as a new database.
    """
    if str(path) in ("", "."):
        raise DatabaseRefused("the database path is empty: set QUIZBOT_DB or pass --db PATH")
    if path.is_dir():
        raise DatabaseRefused(f"{path} is a folder, not a database file: name a file inside it")
    if not path.exists():
        _check_new(path, create=create)
        return
    if not os.access(path, os.R_OK):
        raise DatabaseRefused(f"{path} is not readable by this user")
    _check_header(path)
    version, tables, verdict = _inspect(path)
    if verdict != "ok":
        raise DatabaseRefused(
            f"{path} is damaged (quick_check: {verdict.splitlines()[0]}); restore a backup"
        )
    if tables and not tables >= QUIZBOT_TABLES:
        raise DatabaseRefused(
            f"{path} is a SQLite database of another program (tables: "
            f"{', '.join(sorted(tables)[:5])}); quizbot will not change it"
        )
    if not create and not tables:
        raise DatabaseRefused(f"{path} holds no quizbot data yet (the bot never ran on it)")
    newest = max((number for number, _, _ in migrations()), default=0)
    if version > newest:
        raise DatabaseRefused(
            f"{path} has schema version {version}, newer than this quizbot knows ({newest}): "
            "upgrade quizbot or use another database file"
        )
    # Root may write anywhere, so a file nobody may write is read-only by intent as well.
    if create and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise DatabaseRefused(f"{path} is read-only: quizbot needs to write to it")
    if create and not os.access(path.parent, os.W_OK):
        # WAL mode keeps its -wal and -shm files beside the database.
        raise DatabaseRefused(f"cannot create files in {path.parent}, where {path.name} lives")


def _check_new(path: Path, *, create: bool) -> None:
    if not create:
        raise DatabaseRefused(f"there is no database at {path}")
    if not path.parent.is_dir():
        raise DatabaseRefused(
            f"the folder {path.parent} does not exist: create it first or choose another --db"
        )
    if not os.access(path.parent, os.W_OK):
        raise DatabaseRefused(f"cannot create {path}: the folder {path.parent} is not writable")
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    os.close(fd)


def _check_header(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        return  # an empty file is what sqlite3 itself creates before the first write
    with path.open("rb") as handle:
        header = handle.read(HEADER_SIZE)
    if not header.startswith(SQLITE_MAGIC[: len(header)]) or len(header) < len(SQLITE_MAGIC):
        raise DatabaseRefused(f"{path} is not a SQLite database")
    if len(header) < HEADER_SIZE:
        raise DatabaseRefused(f"{path} is truncated: {size} bytes, shorter than its own header")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if page_size and pages and size < page_size * pages:
        raise DatabaseRefused(
            f"{path} is truncated: {size} bytes where its header promises {page_size * pages}"
        )


def _inspect(path: Path) -> tuple[int, frozenset[str], str]:
    """(user_version, table names, quick_check verdict), read without changing the file."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as conn:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            tables = frozenset(
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE ?",
                    ("table", "sqlite_%"),
                )
            )
            rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise DatabaseRefused(f"{path} cannot be read as a database: {exc}") from None
    verdict = "\n".join(str(row[0]) for row in rows)
    return int(version), tables, verdict
