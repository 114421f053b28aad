"""The running bot's heartbeat: a file next to the database holding the last beat's UTC time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.core.ports import Clock
from bot.storage.factory import sqlite_path
from bot.storage.pg_connect import is_postgres_url

log = logging.getLogger(__name__)

INTERVAL_S = 30
# Three missed beats: one slow beat is noise, three mean the event loop or the gateway is stuck.
MAX_AGE_S = 3 * INTERVAL_S

RECHECK_S = 1.0


def heartbeat_anchor(target: str | Path) -> Path:
    """What the heartbeat file sits beside: the SQLite file, or for PostgreSQL (no local file)
    a fixed name in the temp folder, one per container."""
    if is_postgres_url(target):
        return Path(tempfile.gettempdir()) / "quizbot-postgres"
    return sqlite_path(target)


def heartbeat_path(db: Path) -> Path:
    """Where the bot beats for the database `db`: `<db>.heartbeat`."""
    return db.with_name(f"{db.name}.heartbeat")


def write_heartbeat(path: Path, when: float) -> None:
    """Atomically replace the file with `when` (UTC unix seconds); never seen half-written."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(f"{when:.3f}\n")
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def read_heartbeat(path: Path) -> float:
    """The last beat's UTC unix time; OSError if missing, ValueError if garbled."""
    return float(path.read_text(encoding="ascii").strip())


async def beat_forever(
    path: Path,
    interval: float,
    clock: Clock,
    *,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Write a beat now and every `interval` seconds (while `alive()`), until cancelled.

    While not alive it looks again every second, so the first beat follows the connection
    at once instead of an interval later (health would say "no heartbeat" meanwhile).
    """
    while True:
        beating = alive is None or alive()
        if beating:
            try:
                write_heartbeat(path, clock.now().timestamp())
            except OSError as exc:
                # A full disk must not stop the bot; a stale heartbeat reports it soon enough.
                log.warning("cannot write heartbeat %s: %s", path, exc)
        await asyncio.sleep(interval if beating else min(interval, RECHECK_S))


@asynccontextmanager
async def heartbeat(
    db: Path,
    clock: Clock,
    *,
    alive: Callable[[], bool] | None = None,
    interval: float = INTERVAL_S,
) -> AsyncIterator[Path]:
    """Beat next to `db` for the duration of the block; yields the heartbeat file's path."""
    path = heartbeat_path(db)
    task = asyncio.create_task(
        beat_forever(path, interval, clock, alive=alive), name="quizbot-heartbeat"
    )
    try:
        yield path
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
