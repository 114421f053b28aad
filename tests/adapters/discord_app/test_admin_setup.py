"""`/quizadmin setup` checks that the bot can post where it is told to, before saving."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.adapters.discord_app.test_discord_e2e import (
    admin,
    clock,  # noqa: F401 - fixture
    fake,  # noqa: F401 - fixture
    running_bot,
)
from tests.fake_discord import SEND_MESSAGES, FakeDiscord
from tests.fake_discord.models import EMBED_LINKS
from tests.fakes import FakeClock


async def test_setup_names_the_permissions_the_bot_lacks_there_and_saves_nothing(
    fake: FakeDiscord,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
) -> None:
    owner = fake.make_user("owner", "Owner")
    guild = fake.guild
    secret = fake.channel("secret")
    denied = dataclasses.replace(
        secret, overwrites=((guild.bot_role_id, 0, SEND_MESSAGES | EMBED_LINKS),)
    )
    guild.channels[guild.channels.index(secret)] = denied
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        before = await client.quiz.admin.status(str(guild.id))
        answer = await admin(
            fake, owner, "setup", {"channel": denied, "time": "09:00", "timezone": "UTC"}
        )
        assert answer.ephemeral
        assert answer.text == (
            f"I can't post the daily question in <#{denied.id}>: I am missing Send Messages, "
            "Embed Links there. Give my role those permissions in that channel, then run setup "
            "again. Nothing was saved."
        )
        assert await client.quiz.admin.status(str(guild.id)) == before

        fine = fake.channel("quiz")
        saved = await admin(
            fake, owner, "setup", {"channel": fine, "time": "09:00", "timezone": "UTC"}
        )
        assert saved.text.startswith("Saved.")
