"""Online backup of the live database with SQLite's backup API, safe while the bot writes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from pathlib import Path

from bot.ops.readonly import connect_readonly
from bot.storage.preflight import FILE_MODE

log = logging.getLogger(__name__)


async def backup(src: Path, dest: Path) -> None:
    """Copy the database `src` to the new file `dest`, consistent as of one instant."""
    await asyncio.to_thread(_backup, src, dest)
    log.info("backed up %s to %s", src, dest)


def _backup(src: Path, dest: Path) -> None:
    if not src.is_file():
        raise ValueError(f"cannot back up {src}: no such database file")
    if dest.exists():
        raise ValueError(f"refusing to overwrite {dest}: choose a new file name")
    if not dest.parent.is_dir():
        raise ValueError(f"cannot write {dest}: folder {dest.parent} does not exist")
    # A half-written backup must never sit under the final name, where it could be restored.
    partial = dest.with_name(f".{dest.name}.partial")
    _remove_partial(partial)
    try:
        # Created private first: SQLite keeps the mode, and a backup holds every member's data.
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
        source = connect_readonly(src)
        try:
            target = sqlite3.connect(partial)
            try:
                # pages=-1 copies everything in one step under one read transaction: in WAL
                # mode writers go on meanwhile, and the copy is the snapshot where it began.
                # Stepping page by page instead would restart whenever the bot commits.
                source.backup(target, pages=-1)
                # The copy inherits WAL mode; a backup is easier to move as one self-contained file.
                target.execute("PRAGMA journal_mode = DELETE").fetchone()
                (verdict,) = target.execute("PRAGMA quick_check").fetchone()
                if verdict != "ok":
                    raise RuntimeError(f"the backup failed its integrity check: {verdict}")
            finally:
                target.close()
        finally:
            source.close()
        if dest.exists():
            raise ValueError(f"refusing to overwrite {dest}: it appeared during the backup")
        os.replace(partial, dest)
    finally:
        _remove_partial(partial)


def _remove_partial(partial: Path) -> None:
    """Delete a half-written copy and the journal files SQLite may have left beside it."""
    for leftover in (partial, *(Path(f"{partial}{s}") for s in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
