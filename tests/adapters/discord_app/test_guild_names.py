"""The bot stores its servers' names for `quizbot guilds`: at the start, on a join, on a
rename and at setup, cleaned of anything that could garble a terminal."""

from __future__ import annotations

# tests.fake_discord first: it imports discord.py with the audioop warning silenced.
from tests.fake_discord import FakeDiscord, make_guild

# isort: split
import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.ops.guilds import list_guilds
from tests.adapters.discord_app.test_discord_e2e import (
    admin,
    clock,  # noqa: F401 - fixture
    running_bot,
)
from tests.fakes import FakeClock

# A right-to-left override and a terminal escape in a name an owner chose.
HOSTILE = "Py\u202eFriends\x1b[2J"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """Two servers, one of them with a hostile name."""
    guilds = [
        make_guild("Pythonistas", channels=("quiz",)),
        make_guild(HOSTILE, channels=("general",)),
    ]
    async with FakeDiscord(guilds=guilds) as server:
        yield server


def stored_names(db: Path) -> dict[str, str | None]:
    return {g.guild_id: g.name for g in list_guilds(db)}


async def until_stored(db: Path, guild_id: int, name: str | None) -> None:
    """Wait for the name to be stored: the client writes it from a gateway event's task."""
    for _ in range(100):
        if stored_names(db).get(str(guild_id)) == name:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"guild {guild_id}: stored {stored_names(db)}, expected {name!r}")


async def test_names_are_stored_at_the_start_on_a_join_a_rename_and_setup(
    fake: FakeDiscord,
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811 - the fixture imported above
) -> None:
    db = tmp_path / "q.db"
    first, second = fake.guilds
    async with running_bot(fake, db, clock) as client:
        await until_stored(db, first.id, "Pythonistas")
        await until_stored(db, second.id, "PyFriends [2J")
        assert (await client.quiz.service.config(str(first.id))).channel_id is None, (
            "a name alone sets nothing up"
        )

        newcomer = make_guild("Rustaceans", channels=("general",))
        fake.add_guild(newcomer)
        await until_stored(db, newcomer.id, "Rustaceans")

        fake.rename_guild(first, "Pythonistas 🐍")
        await until_stored(db, first.id, "Pythonistas 🐍")

        # Setup names the server again (say its name could not be stored at the start).
        with closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("UPDATE guilds SET name = NULL WHERE guild_id = ?", (str(first.id),))
        owner = fake.make_user("owner", "Owner")
        quiz = first.channels[0]
        saved = await admin(
            fake, owner, "setup", {"channel": quiz, "time": "09:00", "timezone": "UTC"}
        )
        assert saved.text.startswith("Saved.")
        assert stored_names(db)[str(first.id)] == "Pythonistas 🐍"
