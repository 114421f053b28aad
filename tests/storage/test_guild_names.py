"""Guild names on both stores: stored cleaned, renamed, never touching a guild's settings,
and listed by `quizbot guilds` from a SQLite file or a PostgreSQL database alike."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.__main__ import main
from bot.core.admin import GuildAdmin
from bot.core.model import GuildConfig, Member
from bot.core.service import QuizService
from tests.conftest import CHANNEL, GUILD, shown_draw
from tests.databases import Database
from tests.fakes import FakeClock


async def names(database: Database) -> dict[str, str | None]:
    return dict(await database.rows("SELECT guild_id, name FROM guilds"))


async def test_a_name_alone_stores_default_settings_and_schedules_nothing(
    service: QuizService, database: Database, clock: FakeClock
) -> None:
    assert await service.name_guilds({GUILD: "Python Friends"}) == 1
    assert await names(database) == {GUILD: "Python Friends"}
    assert await service.config(GUILD) == GuildConfig(GUILD, "test")
    assert await service.store.guilds_due("test", clock.now()) == []

    # A first draw after it works as it would on a guild the store never saw.
    view = await shown_draw(service, GUILD, CHANNEL, Member("u1", "Alice"))
    assert view.post.guild_id == GUILD
    assert await names(database) == {GUILD: "Python Friends"}


async def test_naming_is_idempotent_and_a_rename_keeps_the_settings(
    service: QuizService, admin: GuildAdmin, database: Database
) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "Europe/Berlin")
    configured = await service.config(GUILD)

    assert await service.name_guilds({GUILD: "Python Friends"}) == 1
    assert await service.name_guilds({GUILD: "Python Friends"}) == 0, "nothing to write"
    assert await service.name_guilds({GUILD: "Pythonistas"}) == 1
    assert await service.config(GUILD) == configured

    # A settings change afterwards keeps the name.
    await admin.set_difficulty(GUILD, "expert")
    assert await names(database) == {GUILD: "Pythonistas"}
    assert await service.config(GUILD) == dataclasses.replace(configured, difficulty="expert")


async def test_names_are_cleaned_clipped_and_blank_ones_skipped(
    service: QuizService, database: Database
) -> None:
    changed = await service.name_guilds(
        {
            "g-bidi": "Py\u202ethon\u200b Club\n\x1b[31mred",
            "g-long": "x" * 150,
            "g-blank": "   ",
            "g-none": None,
        }
    )
    assert changed == 2
    stored = await names(database)
    assert stored["g-bidi"] == "Python Club [31mred"
    assert stored["g-long"] == "x" * 63 + "…"
    assert "g-blank" not in stored, "a blank name stays unknown"
    assert "g-none" not in stored


async def test_many_names_at_once(service: QuizService, database: Database) -> None:
    batch = {f"g{i:04d}": f"Server {i}" for i in range(250)}
    assert await service.name_guilds(batch) == 250
    assert await names(database) == batch


async def test_guilds_lists_names_on_either_store(
    service: QuizService,
    admin: GuildAdmin,
    database: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await admin.setup(GUILD, CHANNEL, "09:00", "UTC")
    await service.name_guilds({GUILD: "Python Friends"})
    # A guild known from a draw only, whose name the bot never learnt.
    await shown_draw(service, "g2", "c2", Member("u1", "Alice"))

    assert await asyncio.to_thread(main, ["guilds", "--db", database.target]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert lines[0].split() == ["platform", "id", "name", "members", "posts", "daily", "channel"]
    assert lines[1].split() == ["test", GUILD, "Python", "Friends", "0", "0", CHANNEL]
    assert lines[2].split() == ["test", "g2", "-", "0", "1", "(not", "set", "up)"]
    # The name column is as wide as the longest name, so the figures line up.
    members = lines[0].index("members") + len("members")
    posts = lines[0].index("posts") + len("posts")
    assert [line[members - 7 : members] for line in lines[1:]] == ["      0", "      0"]
    assert [line[posts - 6 : posts] for line in lines[1:]] == ["     0", "     1"]
