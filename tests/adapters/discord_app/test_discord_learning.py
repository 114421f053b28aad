"""Fair play, the learning loop and moderation through the real discord.py client."""

from __future__ import annotations

# tests.fake_discord first: it imports discord.py with the audioop warning silenced.
from tests.fake_discord import (
    DEFAULT_MEMBER_PERMISSIONS,
    FakeDiscord,
    FakeUser,
    InteractionEvent,
    make_guild,
)

# isort: split
import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.discord_app.client import QuizClient
from bot.core.learning import EXCLUDED
from bot.core.reviewing import NOT_ANSWERED
from bot.scheduling import reminders_job_id, reveal_job_id
from tests.adapters.discord_app.test_discord_e2e import (
    ADMIN_PERMISSIONS,
    admin,
    custom_id_for,
    edited,
    fire,
    running_bot,
    view_of,
    wrong_choice,
)
from tests.fakes import FakeClock


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A fake Discord with one server."""
    async with FakeDiscord(guilds=[make_guild("Pythonistas", channels=("quiz", "daily"))]) as f:
        yield f


@pytest.fixture
def clock() -> FakeClock:
    """Far from the real time, so that nothing real-time could fire by accident."""
    return FakeClock(datetime(2031, 3, 3, 8, 0, tzinfo=UTC))


async def scheduled(client: QuizClient, job_id: str) -> None:
    """Wait (bounded) until the command that posted has scheduled its job, after replying."""
    for _ in range(1000):
        if client.quiz.scheduler.scheduler.get_job(job_id) is not None:
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"{job_id} was never scheduled")


async def command(
    fake: FakeDiscord, user: FakeUser, name: str, options: dict[str, str] | None = None
) -> InteractionEvent:
    quiz = fake.channel("quiz")
    return await (
        await fake.slash_command(fake.guild.id, quiz.id, user, name, options or {})
    ).response()


async def test_why_was_i_wrong_privately_after_the_reveal_even_after_a_restart(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice, bob, carol = (fake.make_user(n, n.title()) for n in ("alice", "bob", "carol"))
    quiz = fake.channel("quiz")
    db = tmp_path / "q.db"
    async with running_bot(fake, db, clock) as client:
        drawn = await (
            await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz", {"difficulty": "mid"})
        ).response()
        message = drawn.message
        assert message is not None
        view = await view_of(client, message)
        correct = view.question.correct_index
        assert correct is not None
        wrong = wrong_choice(view)
        for user, choice in ((alice, correct), (bob, wrong)):
            await (
                await fake.click(quiz.id, message.id, custom_id_for(message, choice), user)
            ).response()
        await scheduled(client, reveal_job_id(view.post.post_id))
        await fire(client, clock, reveal_job_id(view.post.post_id))
        revealed = await fake.wait_for_message(quiz.id, edited(message.id))
        why_id = f"quiz:w:{view.post.post_id}"
        [button] = [c for c in revealed.iter_components() if c.get("custom_id") == why_id]
        assert button["label"] == "Why was I wrong?"
        assert not button.get("disabled")

        mine = await (await fake.click(quiz.id, message.id, why_id, alice)).response()
        assert mine.ephemeral
        assert mine.embeds[0]["description"].startswith(
            f"✅ You answered **{view.letter_of(correct)}**, and that is right."
        )

    async with running_bot(fake, db, clock, seed=11):
        theirs = await (await fake.click(quiz.id, message.id, why_id, bob)).response()
        assert theirs.ephemeral
        text = theirs.embeds[0]["description"]
        assert text.startswith(f"❌ You answered **{view.letter_of(wrong)}**")
        assert f"**Why not {view.letter_of(wrong)}:** no" in text
        assert view.question.explanation in text
        nobody = await (await fake.click(quiz.id, message.id, why_id, carol)).response()
        assert nobody.ephemeral
        assert nobody.text == NOT_ANSWERED


async def test_practice_shows_why_and_never_serves_the_open_daily(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner, alice = fake.make_user("owner", "Owner"), fake.make_user("alice", "Alice")
    quiz, daily = fake.channel("quiz"), fake.channel("daily")
    clock.set(datetime(2031, 3, 3, 9, 30, tzinfo=UTC))
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(fake, owner, "setup", {"channel": daily, "time": "09:00", "timezone": "UTC"})
        await admin(fake, owner, "difficulty", {"level": "mid"})
        await admin(fake, owner, "postnow")
        posted = fake.messages(daily.id, include_ephemeral=False)[-1]
        open_daily = await view_of(client, posted)
        for _ in range(6):
            practice = await (
                await fake.slash_command(
                    fake.guild.id, quiz.id, alice, "quiz", {"difficulty": "mid", "private": True}
                )
            ).response()
            assert practice.message is not None
            view = await view_of(client, practice.message)
            assert view.question.id != open_daily.question.id
        wrong = wrong_choice(view)
        shown = practice.message
        assert shown is not None
        result = await (
            await fake.click(quiz.id, shown.id, custom_id_for(shown, wrong), alice)
        ).response()
        fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
        assert fields[f"Why not {view.letter_of(wrong)}"] == "no"


async def test_review_stats_and_a_reminder_by_direct_message(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        nothing = await command(fake, alice, "review")
        assert nothing.text == "Nothing to review yet: answer some questions first."
        drawn = await (
            await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz", {"difficulty": "mid"})
        ).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        miss = wrong_choice(view)
        await (
            await fake.click(quiz.id, drawn.message.id, custom_id_for(drawn.message, miss), alice)
        ).response()
        await scheduled(client, reveal_job_id(view.post.post_id))
        await fire(client, clock, reveal_job_id(view.post.post_id))
        later = await command(fake, alice, "review")
        assert later.text.startswith("Nothing due for review. The next one is due <t:")

        on = await command(fake, alice, "review", {"remind": "on"})
        assert on.text.startswith("Review reminders are on")
        clock.set(datetime(2031, 3, 4, 8, 30, tzinfo=UTC))
        await fire(client, clock, reminders_job_id("discord"))
        dm = fake.state.open_dm(alice)
        [reminder] = fake.messages(dm.id)
        assert reminder.content.startswith(
            "1 question is due for your spaced review in **Pythonistas**"
        )

        stats = await command(fake, alice, "stats")
        fields = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
        assert fields["Reviews due"] == "1 · `/review`"
        assert fields["Streak savers"] == "0 held"
        assert fields["Weakest topics"] == "not enough answers yet (3 per topic)"

        served = await command(fake, alice, "review")
        assert served.ephemeral
        assert served.content == "Review · only you see it · no points"
        message = served.message
        assert message is not None
        again = await view_of(client, message)
        assert again.question.id == view.question.id
        correct = again.question.correct_index
        assert correct is not None
        result = await (
            await fake.click(quiz.id, message.id, custom_id_for(message, correct), alice)
        ).response()
        assert result.embeds[0]["description"].startswith("✅ Correct!")
        clock.advance(days=1)
        assert await client.quiz.reviews.send_reminders() == 0, "nothing due any more"
        card = await client.quiz.service.stats(str(fake.guild.id), str(alice.id))
        assert card is not None
        assert card.answered == 1, "a review changes no stats"


async def test_moderation_exclude_forget_and_audit(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner, bob = fake.make_user("owner", "Owner"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        refused = await admin(
            fake, bob, "selfgrade", {"scoring": "on"}, permissions=DEFAULT_MEMBER_PERMISSIONS
        )
        assert refused.text == "You need the Manage Server permission to change the quiz settings."
        saved = await admin(fake, owner, "selfgrade", {"scoring": "on"})
        assert saved.text == "Self-graded answers now score points and streaks."

        excluded = await admin(fake, owner, "member", {"member": bob, "action": "exclude"})
        assert excluded.text.startswith("Bob is excluded")
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, owner, "quiz")).response()
        message = drawn.message
        assert message is not None
        no = await (await fake.click(quiz.id, message.id, message.custom_ids()[0], bob)).response()
        assert no.text == EXCLUDED
        await admin(fake, owner, "member", {"member": bob, "action": "include"})
        yes = await (await fake.click(quiz.id, message.id, message.custom_ids()[0], bob)).response()
        assert "is in" in yes.text
        await client.quiz.service.reveal((await view_of(client, message)).post.post_id)

        ask = await admin(fake, owner, "member", {"member": bob, "action": "forget"})
        assert ask.ephemeral
        assert ask.text.startswith(
            "Forget Bob? This deletes every row about them in this server (1 answer(s)"
        )
        assert ask.message is not None
        [confirm] = ask.message.custom_ids()
        assert confirm == f"quiz:f:{bob.id}"
        not_admin = await (
            await fake.click(
                quiz.id, ask.message.id, confirm, bob, permissions=DEFAULT_MEMBER_PERMISSIONS
            )
        ).response()
        assert (
            not_admin.text == "You need the Manage Server permission to change the quiz settings."
        )
        assert (
            await client.quiz.moderation.footprint(str(fake.guild.id), str(bob.id))
        ).answers == 1
        done = await (
            await fake.click(quiz.id, ask.message.id, confirm, owner, permissions=ADMIN_PERMISSIONS)
        ).response()
        assert done.type == 7
        assert done.data["content"].startswith("Forgotten: deleted 1 answer(s)")
        left = await client.quiz.moderation.footprint(str(fake.guild.id), str(bob.id))
        assert left.answers == left.stats == left.cards == 0

        log = await admin(fake, owner, "audit")
        text = log.embeds[0]["description"]
        lines = text.splitlines()
        assert [line.split(" · ")[2] for line in lines] == [
            "**forget**",
            "**include**",
            "**exclude**",
            "**selfgrade**",
        ]
        assert all(" · Owner · " in line for line in lines)
