"""The `quizbot backup`, `export`, `guilds`, `health` and `forget` commands: messages and exit
codes for __main__."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.core.moderation import describe
from bot.core.ports import SystemClock
from bot.core.text import clean_name
from bot.ops.backup import backup
from bot.ops.export import Format, export_stats
from bot.ops.forget import forget
from bot.ops.guilds import guild_exists, list_guilds, list_pg_guilds
from bot.ops.health import check_health
from bot.ops.heartbeat import MAX_AGE_S, heartbeat_anchor, heartbeat_path
from bot.storage.pg_connect import is_postgres_url, redacted


def backup_command(db: Path, dest: Path) -> int:
    """Back up `db` to `dest`: 0 on success, 1 with a message on stderr otherwise."""
    try:
        asyncio.run(backup(db, dest))
    except (ValueError, RuntimeError, OSError, sqlite3.Error) as exc:
        print(f"quizbot: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {db} to {dest}")
    return 0


def export_command(db: Path, guild_id: str, fmt: Format, out: TextIO | None = None) -> int:
    """Export a guild's member stats to `out` (stdout): 0, or 1 with a message on stderr."""
    try:
        if not guild_exists(db, guild_id):
            print(
                f"quizbot: export failed: {db} has no server or workspace {guild_id!r}; "
                "`quizbot guilds` lists them",
                file=sys.stderr,
            )
            return 1
        count = export_stats(db, guild_id, fmt, out or sys.stdout)
    except (ValueError, OSError, sqlite3.Error) as exc:
        print(f"quizbot: export failed: {exc}", file=sys.stderr)
        return 1
    print(f"exported {count} member(s) of guild {guild_id}", file=sys.stderr)
    return 0


def guilds_command(db: str | Path, out: TextIO | None = None) -> int:
    """Print one line per guild or workspace in a SQLite file or PostgreSQL database: 0."""
    stream = out or sys.stdout
    if is_postgres_url(db):
        guilds, where = list_pg_guilds(str(db)), redacted(str(db))
    else:
        guilds, where = list_guilds(Path(db)), str(db)
    if not guilds:
        print(f"no servers or workspaces in {where} yet", file=stream)
        return 0
    # Names were cleaned when stored; cleaned again here because the file may have been
    # written by something else, and a terminal must not receive control characters.
    names = [clean_name(g.name) if g.name else "-" for g in guilds]
    width = max(len("name"), *(len(name) for name in names))
    print(
        f"{'platform':<8}  {'id':<20}  {'name':<{width}}  {'members':>7}  {'posts':>6}  "
        "daily channel",
        file=stream,
    )
    for guild, name in zip(guilds, names, strict=True):
        print(
            f"{guild.platform:<8}  {guild.guild_id:<20}  {name:<{width}}  {guild.members:>7}  "
            f"{guild.posts:>6}  {guild.channel_id or '(not set up)'}",
            file=stream,
        )
    return 0


def health_command(
    db: str | Path, *, heartbeat: bool = True, max_age_s: int = MAX_AGE_S, now: float | None = None
) -> int:
    """Print the health verdict: 0 healthy, 1 unhealthy (Docker HEALTHCHECK's convention)."""
    beat = heartbeat_path(heartbeat_anchor(db)) if heartbeat else None
    ok, message = check_health(db, beat, max_age_s, time.time() if now is None else now)
    print(f"{'healthy' if ok else 'unhealthy'}: {message}", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def forget_command(
    db: str | Path, guild_id: str, member_id: str, *, confirmed: bool, out: TextIO | None = None
) -> int:
    """Forget a member of a guild: 0 once deleted, 1 when nothing was (or was to be) deleted.

    `db` is a SQLite file or a PostgreSQL URL (there, an unknown guild simply has nothing).
    """
    stream = out or sys.stdout
    if isinstance(db, Path) and not guild_exists(db, guild_id):
        print(
            f"quizbot: forget failed: {db} has no server or workspace {guild_id!r}; "
            "`quizbot guilds` lists them",
            file=sys.stderr,
        )
        return 1
    found, deleted = asyncio.run(
        forget(db, guild_id, member_id, confirmed=confirmed, clock=SystemClock())
    )
    if found.total == 0:
        print(f"quizbot: nothing about member {member_id!r} in {guild_id!r}", file=sys.stderr)
        return 1
    if not deleted:
        print(f"member {member_id} of {guild_id} has {describe(found)}.", file=stream)
        print("nothing deleted: run again with --yes to delete them for good", file=stream)
        return 1
    print(f"forgot member {member_id} of {guild_id}: deleted {describe(found)}", file=stream)
    return 0
