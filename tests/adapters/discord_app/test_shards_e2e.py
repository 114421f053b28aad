"""Two `quizbot run` processes, one shard each, on one PostgreSQL, against the fake Discord.

Each guild's daily is posted once, by the process whose shard carries it. One process is
killed with SIGKILL between its post and the reveal and started again: the reveal still
happens once, and the other process (and its guild) never notice.
"""

from __future__ import annotations

from tests.fake_discord import (
    FakeDiscord,
    FakeGuild,
    StoredMessage,
    make_guild,
    snowflake_on_shard,
)

# isort: split
import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from pathlib import Path

from bot.core.model import GuildConfig
from bot.core.ports import StoreTx
from bot.storage.postgres import PostgresStore
from tests.databases import PostgresDatabase

CHILD = Path(__file__).with_name("child_bot.py")
ROOT = Path(__file__).resolve().parents[3]
REVEAL_AFTER_S = 20
TIMEOUT_S = 90


def local_noon_zone() -> str:
    """A fixed-offset zone where it is around noon now, so 11:00 is past and still today."""
    offset = 12 - datetime.now(UTC).hour  # -11 .. +12 hours
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-5 is UTC+5


async def configure(url: str, guilds: list[FakeGuild]) -> None:
    """Set up the daily in both guilds, due already today, revealed 20 s after posting."""
    store = await PostgresStore.open(url)
    zone = local_noon_zone()
    try:
        for guild in guilds:
            config = GuildConfig(
                guild_id=str(guild.id),
                platform="discord",
                channel_id=str(guild.channels[0].id),
                post_time=time(11, 0),
                timezone=zone,
                daily_reveal_s=REVEAL_AFTER_S,
                difficulty="entry",
            )

            async def save(tx: StoreTx, config: GuildConfig = config) -> None:
                await tx.save_guild(config)
                # "Work out the slot at the next tick", as an upgraded database has it.
                await tx.set_next_due(config.guild_id, datetime.fromtimestamp(0, UTC))

            await store.write(save)
    finally:
        await store.close()


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(TIMEOUT_S * 10):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def revealed(message: StoredMessage) -> bool:
    # The choice buttons close at the reveal (a "why was I wrong" button joins them).
    choices = [
        c
        for c in message.iter_components()
        if c.get("type") == 2 and str(c.get("custom_id", "")).startswith("quiz:c:")
    ]
    return bool(choices) and all(c.get("disabled") for c in choices)


async def test_two_shard_processes_post_once_and_reveal_once_across_a_kill(
    pg_database: PostgresDatabase, tmp_path: Path
) -> None:
    zero = make_guild("Zero", channels=("quiz",), id=snowflake_on_shard(0, 2))
    one = make_guild("One", channels=("quiz",), id=snowflake_on_shard(1, 2))
    await configure(pg_database.url, [zero, one])
    async with FakeDiscord(guilds=[zero, one]) as fake:
        env = {
            **os.environ,
            "DISCORD_TOKEN": "fake-token",
            "FAKE_DISCORD_API": fake.api_url,
            "FAKE_DISCORD_GATEWAY": fake.gateway_url,
            "QUIZBOT_LOG_LEVEL": "WARNING",
            "TMPDIR": str(tmp_path),  # each test's heartbeat file stays in its own folder
        }
        env.pop("QUIZBOT_DB", None)

        async def start(shard: int) -> asyncio.subprocess.Process:
            log = os.open(tmp_path / f"shard{shard}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            try:
                return await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(CHILD),
                    "--db",
                    pg_database.url,
                    "--shard-count",
                    "2",
                    "--shard-ids",
                    str(shard),
                    env=env,
                    cwd=ROOT,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=log,
                )
            finally:
                os.close(log)

        first, other = await start(0), await start(1)
        children = [first, other]
        try:
            posts = [
                await fake.wait_for_message(g.channels[0].id, kinds=("create",), timeout=TIMEOUT_S)
                for g in (zero, one)
            ]

            async def attached() -> bool:
                rows = await pg_database.rows(
                    "SELECT COUNT(*) FROM posts WHERE message_id IS NOT NULL"
                )
                return rows == [(2,)]

            await until(attached, "both posts to be recorded")
            [(zero_post, zero_reveal_at)] = await pg_database.rows(
                "SELECT post_id, reveal_at FROM posts WHERE guild_id = ?", str(zero.id)
            )
            assert zero_reveal_at > datetime.now(UTC).timestamp(), "killed before the reveal"
            first.kill()  # SIGKILL: no cleanup at all
            await first.wait()
            restarted = await start(0)
            children.append(restarted)

            for guild, post in zip((zero, one), posts, strict=True):
                await fake.wait_for_message(
                    guild.channels[0].id,
                    lambda m, post=post: m.id == post.id and revealed(m),  # type: ignore[misc]
                    kinds=("edit",),
                    timeout=TIMEOUT_S,
                )
            await asyncio.sleep(1)  # a second reveal, were there one, would land by now
            assert other.returncode is None, "the other shard's process kept running"
        finally:
            for child in children:
                if child.returncode is None:
                    child.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(child.wait(), timeout=60) for child in children]
        assert codes[1:] == [0, 0], (tmp_path / "shard1.log").read_text()

        for guild in (zero, one):
            events = [e for e in fake.message_events if e.channel_id == guild.channels[0].id]
            creates = [e for e in events if e.kind == "create"]
            reveals = [e for e in events if e.kind == "edit" and revealed(e.message)]
            assert len(creates) == 1, f"guild {guild.name}: the daily was posted once"
            assert len(reveals) == 1, f"guild {guild.name}: the reveal happened once"
        shard_one_logins = [g for g in fake.gateway.logins.items if g.shard == (1, 2)]
        assert len(shard_one_logins) == 1, "the other shard never reconnected"

    rows = await pg_database.rows(
        "SELECT guild_id, kind, revealed_at IS NOT NULL FROM posts ORDER BY guild_id"
    )
    assert sorted(rows) == sorted([(str(zero.id), "daily", True), (str(one.id), "daily", True)])
    assert zero_post in {row[0] for row in await pg_database.rows("SELECT post_id FROM posts")}
    for shard in (0, 1):
        assert "Traceback" not in (tmp_path / f"shard{shard}.log").read_text()
    # Each process named the guilds of its shard, on the shared database.
    names = dict(await pg_database.rows("SELECT guild_id, name FROM guilds"))
    assert names == {str(zero.id): "Zero", str(one.id): "One"}
