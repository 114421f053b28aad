"""`/quizadmin reload`: the bot's owner reloads the packs, validated first; nobody else can."""

from __future__ import annotations

# tests.fake_discord first: it imports discord.py with the audioop warning silenced.
from tests.fake_discord import DEFAULT_MEMBER_PERMISSIONS, FakeDiscord, FakeUser, InteractionEvent

# isort: split
import asyncio
import random
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.adapters.discord_app.client import QuizClient
from bot.adapters.discord_app.commands import NOT_OWNER
from bot.adapters.discord_app.main import build_client
from bot.core.packs import load_bank
from bot.core.reloading import SHOWN_PROBLEMS, PackReloader
from bot.scheduling import reveal_job_id
from bot.storage.sqlite import SqliteStore
from tests.adapters.discord_app.test_discord_e2e import (
    admin,
    clock,  # noqa: F401 - fixture
    custom_id_for,
    edited,
    fake,  # noqa: F401 - fixture
    fire,
    view_of,
)
from tests.fakes import FakeClock
from tests.pack_files import write_broken_pack, write_pack

BLOCK = re.compile(r"```\n(.*)\n```", re.DOTALL)


@asynccontextmanager
async def bot_with_packs(
    server: FakeDiscord, tmp_path: Path, now: FakeClock, pack: Path
) -> AsyncIterator[QuizClient]:
    """The bot as `quizbot run` wires it: the bank read from `pack`, reloadable."""
    bank = load_bank([pack])
    reloader = PackReloader([pack], bank)
    store = await SqliteStore.open(tmp_path / "q.db")
    jobs = AsyncIOScheduler(timezone=UTC)
    jobs.start(paused=True)
    client = build_client(
        store,
        bank,
        clock=now,
        rng=random.Random(5),
        sync=True,
        scheduler=jobs,
        reload=reloader.reload_async,
    )
    try:
        async with server.run_client(client):
            await server.wait_for_command_sync()
            await asyncio.wait_for(client.quiz.scheduler.caught_up.wait(), timeout=10)
            yield client
    finally:
        jobs.shutdown(wait=False)
        await store.close()


async def draw(server: FakeDiscord, user: FakeUser, channel: str, level: str) -> InteractionEvent:
    interaction = await server.slash_command(
        server.guild.id, server.channel(channel).id, user, "quiz", {"difficulty": level}
    )
    return await interaction.response()


def served(client: QuizClient) -> list[str]:
    return sorted(q.id for q in client.quiz.service.bank)


async def test_the_owner_reloads_a_changed_pack_and_open_posts_keep_working(
    fake: FakeDiscord,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
) -> None:
    owner = fake.make_user("owner", "Owner")
    alice = fake.make_user("alice", "Alice")
    fake.set_application_owner(owner)
    pack = write_pack(tmp_path / "pack.yaml", "first", "gone")
    async with bot_with_packs(fake, tmp_path, clock, pack) as client:
        nothing = await draw(fake, alice, "quiz", "junior")
        assert nothing.text == "No question matches junior: try another level or topic."
        kept = await draw(fake, alice, "daily", "entry")
        vanishing = await draw(fake, alice, "secret", "mid")
        assert kept.message is not None
        assert vanishing.message is not None
        kept_view = await view_of(client, kept.message)
        vanishing_view = await view_of(client, vanishing.message)
        assert (kept_view.question.id, vanishing_view.question.id) == ("first", "gone")

        write_pack(pack, "first", "second")
        answer = await admin(fake, owner, "reload")

        assert answer.ephemeral
        assert answer.text == "Packs reloaded: 2 questions."
        assert answer.data["allowed_mentions"] == {"parse": []}
        assert served(client) == ["first", "second"]
        fresh = await draw(fake, alice, "quiz", "junior")
        assert fresh.message is not None
        assert (await view_of(client, fresh.message)).question.id == "second"

        # The post whose question stayed takes answers and reveals as before.
        daily = fake.channel("daily")
        correct = kept_view.question.correct_index
        assert correct is not None
        click = await fake.click(
            daily.id, kept.message.id, custom_id_for(kept.message, correct), alice
        )
        assert "is in" in (await click.response()).text
        await fire(client, clock, reveal_job_id(kept_view.post.post_id))
        revealed = await fake.wait_for_message(daily.id, edited(kept.message.id))
        assert "Answered 1 · correct 1 (100%)" in revealed.embed_text()

        # The one whose question left the packs is closed at its reveal, without an error.
        await fire(client, clock, reveal_job_id(vanishing_view.post.post_id))
        closed = await client.quiz.service.store.post(vanishing_view.post.post_id)
        assert closed is not None
        assert closed.revealed_at is not None
        withdrawn = await fake.wait_for_message(
            fake.channel("secret").id, edited(vanishing.message.id)
        )
        assert withdrawn.custom_ids() == [], "no live buttons are left on it"
        assert "Question withdrawn" in withdrawn.embed_text()


async def test_the_owner_reloading_a_broken_pack_is_refused_and_the_old_set_stays(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
) -> None:
    lead, developer = fake.make_user("lead", "Lead"), fake.make_user("dev", "Dev")
    alice = fake.make_user("alice", "Alice")
    fake.set_application_team(lead, [(developer, "developer")])
    pack = write_pack(tmp_path / "pack.yaml", "first")
    async with bot_with_packs(fake, tmp_path, clock, pack) as client:
        write_broken_pack(pack, 11)
        answer = await admin(fake, developer, "reload")

        assert answer.ephemeral
        assert answer.data["allowed_mentions"] == {"parse": []}
        text = answer.text
        assert len(text) <= 2000
        summary, *rest = text.split("\n")
        assert summary == (
            "Reload refused: 11 problem(s); still serving the 1 questions loaded before."
        )
        block = BLOCK.search(text)
        assert block is not None
        lines = block[1].split("\n")
        assert len(lines) == SHOWN_PROBLEMS
        for n, line in enumerate(lines):
            assert re.match(rf"{re.escape(str(pack))}:\d+: bad-{n}: unknown difficulty", line)
        # The pack's text cannot end the block early, so its mentions and markup stay inert.
        assert text.count("```") == 2
        assert "@everyone" in block[1]
        assert "<@123456789012345678>" in block[1]
        assert rest[-1] == f"…and {11 - SHOWN_PROBLEMS} more: every problem is in the log."

        assert served(client) == ["first"]
        drawn = await draw(fake, alice, "quiz", "entry")
        assert drawn.message is not None
        assert (await view_of(client, drawn.message)).question.id == "first"


async def test_a_server_admin_who_is_not_the_owner_is_refused_and_nothing_changes(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
) -> None:
    lead, viewer = fake.make_user("lead", "Lead"), fake.make_user("viewer", "Viewer")
    moderator = fake.make_user("moderator", "Moderator")
    fake.set_application_team(lead, [(viewer, "read_only")])
    pack = write_pack(tmp_path / "pack.yaml", "first")
    async with bot_with_packs(fake, tmp_path, clock, pack) as client:
        write_pack(pack, "first", "second")
        for user in (moderator, viewer):
            refused = await admin(fake, user, "reload")
            assert refused.ephemeral
            assert refused.text == NOT_OWNER
            assert served(client) == ["first"]
        member = await admin(fake, moderator, "reload", permissions=DEFAULT_MEMBER_PERMISSIONS)
        assert member.text == "You need the Manage Server permission to change the quiz settings."
        assert served(client) == ["first"]

        # Ownership is asked at every use: the application moving to another owner counts.
        fake.set_application_owner(moderator)
        assert (await admin(fake, moderator, "reload")).text == "Packs reloaded: 2 questions."
        assert served(client) == ["first", "second"]
