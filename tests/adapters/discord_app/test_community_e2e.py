"""Community features through the real discord.py client against the local fake Discord."""

from __future__ import annotations

# tests.fake_discord first: it imports discord.py with the audioop warning silenced.
from tests.fake_discord import (
    ATTACH_FILES,
    CREATE_PUBLIC_THREADS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    MANAGE_ROLES,
    SEND_MESSAGES,
    FakeDiscord,
    FakeInteraction,
    FakeMember,
    FakeUser,
    InteractionEvent,
    StoredMessage,
    make_guild,
)

# isort: split
import asyncio
import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.adapters.discord_app.cards import MARK_COLOURS, cell_box
from bot.adapters.discord_app.client import QuizClient
from bot.adapters.discord_app.community_publisher import DiscordCommunityPublisher
from bot.core.activity import DayMark, member_calendar
from bot.core.community_ports import RoleChangeFailed
from bot.core.model import Member
from bot.core.ports import StoreTx
from bot.core.questions import Difficulty
from bot.core.suggestion_form import SuggestionForm
from bot.scheduling import reveal_job_id
from tests.adapters.discord_app.test_discord_e2e import (
    ADMIN_PERMISSIONS,
    admin,
    custom_id_for,
    edited,
    final_reply,
    fire,
    next_due,
    running_bot,
    tick_at,
    view_of,
)
from tests.fakes import FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
ALICE = FakeUser(id=9001, username="alice", global_name="Alice")
BOB = FakeUser(id=9002, username="bob", global_name="Bob")
OWNER = FakeUser(id=9003, username="owner", global_name="Owner")
OWNER_MEMBER = Member(str(OWNER.id), "Owner")
ALICE_MEMBER = FakeMember(ALICE)

STEP_ONE = {
    "prompt": "Which call schedules a coroutine to run concurrently on the running loop?",
    "correct": "asyncio.create_task(coro)",
    "wrong1": "coro() alone",
    "wrong2": "asyncio.sleep(coro)",
    "wrong3": "await coro inside a lambda",
}
STEP_TWO = {
    "why1": "Calling a coroutine function only creates a coroutine object.",
    "why2": "sleep takes a number of seconds, not a coroutine.",
    "why3": "A lambda cannot contain await.",
    "explanation": "create_task wraps the coroutine in a Task that the event loop runs.",
    "meta": "expert: asyncio",
}


@pytest.fixture
def clock() -> FakeClock:
    """Far from the real time, so that nothing real-time could fire by accident."""
    return FakeClock(datetime(2031, 3, 3, 8, 0, tzinfo=UTC))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """One server with a review channel, two reward roles and three members."""
    guild = make_guild(
        "Pythonistas",
        channels=("quiz", "daily", "review"),
        roles=(("Streaker", 0), ("Champion", 0)),
        members=(ALICE, BOB, OWNER),
    )
    async with FakeDiscord(guilds=[guild]) as server:
        yield server


async def scheduled(client: QuizClient, job_id: str) -> None:
    """Wait until the bot has scheduled a job (a draw schedules its reveal after replying)."""
    for _ in range(500):
        if client.quiz.scheduler.scheduler.get_job(job_id) is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{job_id} was never scheduled")


def modal_token(fake: FakeDiscord, prefix: str) -> str:
    """The token of the latest form modal the bot opened (`sg:m1:<token>`)."""
    record = fake.state.modals.items[-1]
    assert record.custom_id.startswith(prefix), record.custom_id
    return record.custom_id.removeprefix(prefix)


async def fill_in(
    fake: FakeDiscord, opened: FakeInteraction, user: FakeUser, second: dict[str, str]
) -> InteractionEvent:
    """Submit both modals of the suggestion form; returns the reply to the second."""
    assert (await opened.response()).type == 9, "the form opens as a modal"
    token = modal_token(fake, "sg:m1:")
    step = await (await fake.submit_modal(f"sg:m1:{token}", STEP_ONE, user)).response()
    assert step.ephemeral
    assert "Step 2 of 2" in step.text
    assert step.message is not None
    cont = await fake.click(step.message.channel_id, step.message.id, f"sg:step:{token}", user)
    assert (await cont.response()).type == 9
    return await (await fake.submit_modal(f"sg:m2:{token}", second, user)).response()


async def open_suggestions(fake: FakeDiscord) -> None:
    review = fake.channel("review")
    saved = await admin(fake, OWNER, "suggestions", {"channel": review})
    assert saved.text.startswith("Saved.")


async def test_a_member_suggests_and_an_admin_approves(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    quiz, review = fake.channel("quiz"), fake.channel("review")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        closed = await (await fake.slash_command(None, quiz.id, ALICE, "suggest")).response()
        assert closed.ephemeral
        assert closed.text.startswith("Suggestions are not open here yet")

        await open_suggestions(fake)
        opened = await fake.slash_command(
            None, quiz.id, ALICE, "suggest", {"level": "expert", "topics": "asyncio"}
        )
        thanks = await fill_in(fake, opened, ALICE, STEP_TWO)
        assert thanks.ephemeral
        assert thanks.text == (
            f"Thanks! Your question is suggestion #1; it waits for review in <#{review.id}>."
        )
        posted = fake.messages(review.id, include_ephemeral=False)[-1]
        assert posted.custom_ids() == ["sg:ok:1", "sg:edit:1", "sg:no:1"]
        assert "Suggestion #1 · expert · asyncio" in posted.embeds[0]["title"]
        assert "why not:* sleep takes a number of seconds" in posted.embed_text()

        refused = await (await fake.click(review.id, posted.id, "sg:ok:1", BOB)).response()
        assert refused.text == (
            "Only members with the Manage Server permission can review suggestions."
        )
        still = fake.get_message(posted.id)
        assert still is not None
        assert still.edited_timestamp is None, "a refused review changes nothing"
        assert await client.quiz.community.community.suggestions.pending(str(fake.guild.id))

        approved = await (
            await fake.click(review.id, posted.id, "sg:ok:1", OWNER, permissions=ADMIN_PERMISSIONS)
        ).response()
        assert approved.text == "Approved: suggestion #1 is served here as `suggested-1`."
        updated = await fake.wait_for_message(review.id, edited(posted.id))
        assert updated.custom_ids() == []
        fields = {f["name"]: f["value"] for f in updated.embeds[0]["fields"]}
        assert fields["Status"] == "Approved by Owner; served here as `suggested-1`."
        assert STEP_ONE["correct"] not in updated.embed_text(), "a served key is not on show"

        seen = set()
        while "suggested-1" not in seen:
            drawn = await (
                await fake.slash_command(
                    None, quiz.id, BOB, "quiz", {"difficulty": "expert", "topic": "asyncio"}
                )
            ).response()
            assert drawn.message is not None
            view = await view_of(client, drawn.message)
            seen.add(view.question.id)
            await scheduled(client, reveal_job_id(view.post.post_id))
            await fire(client, clock, reveal_job_id(view.post.post_id))
            revealed = await fake.wait_for_message(quiz.id, edited(drawn.message.id))
            assert len(seen) <= 2, "two questions match: the pack's and the suggested one"
        assert "Suggested by Alice" in revealed.embed_text()


async def test_an_invalid_suggestion_is_explained_and_can_be_fixed(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    quiz, review = fake.channel("quiz"), fake.channel("review")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await open_suggestions(fake)
        opened = await fake.slash_command(None, quiz.id, ALICE, "suggest", {"level": "mid"})
        bad = {**STEP_TWO, "why2": "", "meta": "mid: quantum"}
        refused = await fill_in(fake, opened, ALICE, bad)
        assert refused.ephemeral
        assert refused.text.startswith("Your question was not saved:\n")
        assert "• Why wrong answer 2 is wrong: is empty" in refused.text
        assert "• Unknown topic(s): quantum. Known topics: asyncio, basics, design." in (
            refused.text
        )
        assert await client.quiz.community.community.suggestions.pending(str(fake.guild.id)) == []
        assert fake.messages(review.id, include_ephemeral=False) == []

        assert refused.message is not None
        [fix] = [c for c in refused.message.custom_ids() if c.startswith("sg:fix:")]
        reopened = await (
            await fake.click(refused.message.channel_id, refused.message.id, fix, ALICE)
        ).response()
        assert reopened.type == 9
        inputs = {
            c["custom_id"]: c.get("value")
            for row in reopened.data["components"]
            for c in row["components"]
        }
        assert inputs["prompt"] == STEP_ONE["prompt"], "the form keeps what was typed"


async def test_an_admin_edits_a_suggestion_before_approving(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    quiz, review = fake.channel("quiz"), fake.channel("review")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await open_suggestions(fake)
        opened = await fake.slash_command(
            None, quiz.id, ALICE, "suggest", {"level": "expert", "topics": "asyncio"}
        )
        await fill_in(fake, opened, ALICE, STEP_TWO)
        posted = fake.messages(review.id, include_ephemeral=False)[-1]
        click = await fake.click(
            review.id, posted.id, "sg:edit:1", OWNER, permissions=ADMIN_PERMISSIONS
        )
        assert (await click.response()).type == 9
        token = modal_token(fake, "sg:m1:")
        step = await (await fake.submit_modal(f"sg:m1:{token}", STEP_ONE, OWNER)).response()
        assert step.message is not None
        await (
            await fake.click(step.message.channel_id, step.message.id, f"sg:step:{token}", OWNER)
        ).response()
        changed = {**STEP_TWO, "meta": "senior: asyncio, basics"}
        done = await (await fake.submit_modal(f"sg:m2:{token}", changed, OWNER)).response()
        assert done.text == "Suggestion #1 is updated."
        updated = await fake.wait_for_message(review.id, edited(posted.id))
        assert "Suggestion #1 · senior · asyncio, basics" in updated.embeds[0]["title"]
        assert updated.custom_ids() == ["sg:ok:1", "sg:edit:1", "sg:no:1"]
        [pending] = await client.quiz.community.community.suggestions.pending(str(fake.guild.id))
        assert pending.question.difficulty is Difficulty.SENIOR


async def answer_daily(
    fake: FakeDiscord, client: QuizClient, clock: FakeClock, answers: dict[FakeUser, bool]
) -> StoredMessage:
    """The ticker posts the next daily; answer it, reveal it; returns the revealed message."""
    daily = fake.channel("daily")
    await tick_at(client, clock, await next_due(client, fake.guild.id))
    message = fake.messages(daily.id, include_ephemeral=False)[-1]
    view = await view_of(client, message)
    correct = view.question.correct_index
    assert correct is not None
    wrong = next(i for i in view.post.choice_order if i != correct)
    for user, right in answers.items():
        custom_id = custom_id_for(message, correct if right else wrong)
        await (await fake.click(daily.id, message.id, custom_id, user)).response()
    post = await client.quiz.service.post(view.post.post_id)
    await tick_at(client, clock, post.reveal_at)  # the ticker reveals what is due
    return await fake.wait_for_message(daily.id, edited(message.id))


async def test_stats_show_an_image_card_with_the_same_figures_in_text(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    daily, quiz = fake.channel("daily"), fake.channel("quiz")
    clock.set(datetime(2031, 3, 3, 12, 0, tzinfo=BERLIN))
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(
            fake, OWNER, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )
        for right in (True, False, None):
            answers = {ALICE: right} if right is not None else {}
            await answer_daily(fake, client, clock, answers)
        clock.set(datetime(2031, 3, 7, 12, 0, tzinfo=BERLIN))  # the next day: Thursday's is missed
        reply = await (await fake.slash_command(None, quiz.id, ALICE, "stats")).response()
        assert reply.message is not None
        [attachment] = reply.message.attachments
        assert attachment["filename"] == "stats.png"
        assert attachment["description"].startswith("Stats card of Alice: streak 0, best 1. ")
        assert "Last 12 weeks: 1 day right, 1 wrong, 1 missed." in attachment["description"]
        assert reply.embeds[0]["image"]["url"] == "attachment://stats.png"
        fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
        assert fields["Last 12 weeks"] == "Last 12 weeks: 1 day right, 1 wrong, 1 missed."
        [upload] = fake.state.uploads[reply.message.id]
        assert len(upload.data) < 200_000
        image = Image.open(io.BytesIO(upload.data)).convert("RGB")
        assert image.size == (800, 300)

        calendar = await member_calendar(client.quiz.service, str(fake.guild.id), str(ALICE.id))
        days = [datetime(2031, 3, d, tzinfo=BERLIN).date() for d in (4, 5, 6, 3)]
        expected = [DayMark.RIGHT, DayMark.WRONG, DayMark.MISSED, DayMark.NONE]
        for day, mark in zip(days, expected, strict=True):
            x0, y0, x1, y1 = cell_box(calendar, day)
            assert image.getpixel(((x0 + x1) // 2, (y0 + y1) // 2)) == MARK_COLOURS[mark], day

        again = await (await fake.slash_command(None, quiz.id, ALICE, "stats")).response()
        assert again.message is not None
        assert fake.state.uploads[again.message.id][0].data == upload.data, "cached for the day"

        nobody = await (await fake.slash_command(None, quiz.id, BOB, "stats")).response()
        assert nobody.message is not None
        assert nobody.message.attachments == []
        assert nobody.embeds[0]["description"] == "No answers yet."


async def test_the_weekly_recap_posts_a_leaderboard_picture(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    daily = fake.channel("daily")
    clock.set(datetime(2031, 3, 3, 12, 0, tzinfo=BERLIN))  # Monday
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(
            fake, OWNER, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )
        saved = await admin(fake, OWNER, "recap", {"state": "on"})
        fields = {f["name"]: f["value"] for f in saved.embeds[0]["fields"]}
        assert fields["Weekly recap"].startswith("on, mon 09:00 Europe/Berlin (next <t:")
        hard = None
        for answers in ({ALICE: True, BOB: False}, {ALICE: False, BOB: False, OWNER: True}):
            hard = await answer_daily(fake, client, clock, answers)
        assert hard is not None

        clock.set(datetime(2031, 3, 10, 9, 0, tzinfo=BERLIN))
        await client.quiz.community.ticker.run()  # the recap is claimed and recorded
        await client.quiz.scheduler.deliver_due()  # and posted by the delivery worker
        recap = fake.messages(daily.id, include_ephemeral=False)[-1]
        assert recap.embeds[0]["title"] == "Weekly recap · 2031-W11"
        text = recap.embed_text()
        assert "Top 5 by points" in text
        assert "Participation" in text
        assert "3 members, 5 answers" in text
        link = f"https://discord.com/channels/{fake.guild.id}/{daily.id}/{hard.id}"
        assert link in text, "the hardest question links to its post"
        [attachment] = recap.attachments
        assert attachment["filename"] == "recap.png"
        assert attachment["description"].startswith("Leaderboard of the week: 1. ")
        [upload] = fake.state.uploads[recap.id]
        assert len(upload.data) < 200_000
        assert Image.open(io.BytesIO(upload.data)).size[0] == 800

        await client.quiz.community.ticker.run()
        await client.quiz.scheduler.deliver_due()
        assert fake.messages(daily.id, include_ephemeral=False)[-1].id == recap.id, "once"


async def test_discussion_threads_open_on_the_daily_reveal(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    daily = fake.channel("daily")
    clock.set(datetime(2031, 3, 3, 12, 0, tzinfo=BERLIN))
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(
            fake, OWNER, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )
        refused = await admin(fake, OWNER, "threads", {"state": "on"})
        assert refused.text == (
            f"I can't open threads in <#{daily.id}>: I am missing Create Public Threads there. "
            "Nothing was saved."
        )
        fake.guild.bot_permissions = DEFAULT_BOT_PERMISSIONS | CREATE_PUBLIC_THREADS
        fake.refresh_roles(fake.guild)
        saved = await admin(fake, OWNER, "threads", {"state": "on"})
        assert saved.content == "Saved."
        revealed = await answer_daily(fake, client, clock, {ALICE: True})
        thread = fake.rest.guild_routes.threads[revealed.id]
        assert thread.parent_id == daily.id
        view = await view_of(client, revealed)
        assert thread.name == f"Discuss: {view.question.prompt.splitlines()[0]}"[:100]


async def test_a_streak_role_needs_a_manageable_role_then_follows_streaks(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    daily = fake.channel("daily")
    streaker = next(r for r in fake.guild.roles if r.name == "Streaker")
    clock.set(datetime(2031, 3, 3, 12, 0, tzinfo=BERLIN))
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(
            fake, OWNER, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )

        async def rewards(options: dict[str, object]) -> InteractionEvent:
            interaction = await fake.slash_command(
                None,
                daily.id,
                OWNER,
                "quizadmin",
                options,  # type: ignore[arg-type]
                group="rewards",
                subcommand="streak",
                permissions=ADMIN_PERMISSIONS,
            )
            return await final_reply(interaction)

        no_permission = await rewards({"length": 1, "role": streaker})
        assert no_permission.text == (
            f"I need the Manage Roles permission to give <@&{streaker.id}>. Nothing was saved."
        )
        fake.guild.bot_permissions = DEFAULT_BOT_PERMISSIONS | MANAGE_ROLES
        fake.refresh_roles(fake.guild)
        too_high = await rewards({"length": 1, "role": streaker})
        assert too_high.text.startswith(f"<@&{streaker.id}> is not below my highest role")
        fake.guild.bot_role_position = 10
        fake.refresh_roles(fake.guild)
        saved = await rewards({"length": 1, "role": streaker})
        fields = {f["name"]: f["value"] for f in saved.embeds[0]["fields"]}
        assert fields["Streak reward"] == f"<@&{streaker.id}> at a streak of 1"

        member = DEFAULT_MEMBER_PERMISSIONS
        denied = await fake.slash_command(
            None,
            daily.id,
            BOB,
            "quizadmin",
            {"reward": "streak"},
            group="rewards",
            subcommand="off",
            permissions=member,
            ignore_default_permissions=True,
        )
        assert (await denied.response()).text == (
            "You need the Manage Server permission to change the quiz settings."
        )

        await answer_daily(fake, client, clock, {ALICE: True, BOB: False})
        await client.quiz.community.community.rewards.idle()
        roles = {m.user.id: m.roles for m in fake.guild.members}
        assert streaker.id in roles[ALICE.id]
        assert streaker.id not in roles[BOB.id]

        await answer_daily(fake, client, clock, {BOB: True})  # Alice misses a day
        await client.quiz.community.community.rewards.idle()
        roles = {m.user.id: m.roles for m in fake.guild.members}
        assert streaker.id not in roles[ALICE.id]
        assert streaker.id in roles[BOB.id]


async def test_suggested_questions_are_served_again_after_a_restart(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    quiz, daily = fake.channel("quiz"), fake.channel("daily")
    db = tmp_path / "q.db"
    guild_id = str(fake.guild.id)
    async with running_bot(fake, db, clock) as client:
        await admin(fake, OWNER, "setup", {"channel": daily, "time": "09:00", "timezone": "UTC"})
        await admin(fake, OWNER, "difficulty", {"level": "expert"})
        community = client.quiz.community.community
        await community.admin.set_review_channel(guild_id, str(fake.channel("review").id))
        form = SuggestionForm(
            "expert",
            "asyncio",
            STEP_ONE["prompt"],
            STEP_ONE["correct"],
            (STEP_ONE["wrong1"], STEP_ONE["wrong2"], STEP_ONE["wrong3"]),
            (STEP_TWO["why1"], STEP_TWO["why2"], STEP_TWO["why3"]),
            STEP_TWO["explanation"],
        )
        daily_form = dataclasses.replace(form, prompt="Which builtin runs a coroutine to the end?")
        for submitted in (form, daily_form):
            done = await community.suggestions.submit(
                guild_id, Member(str(ALICE.id), "Alice"), submitted
            )
            sid = done.suggestion.suggestion_id
            await community.suggestions.approve(guild_id, sid, OWNER_MEMBER)
        # The next draw and the next daily take a suggested question each (their bags say so;
        # one question cannot be open twice).

        async def seed(tx: StoreTx) -> None:
            await tx.save_bag(guild_id, "expert/asyncio", ["suggested-1"], "expert-0")
            await tx.save_bag(guild_id, "expert/*", ["suggested-2"], "expert-0")

        await client.quiz.service.store.write(seed)
        drawn = await (
            await fake.slash_command(
                None, quiz.id, BOB, "quiz", {"difficulty": "expert", "topic": "asyncio"}
            )
        ).response()
        assert drawn.message is not None
        message = drawn.message
        view = await view_of(client, message)
        assert view.question.id == "suggested-1"
        assert view.question.correct_index is not None
        custom_id = custom_id_for(message, view.question.correct_index)
        await (await fake.click(quiz.id, message.id, custom_id, BOB)).response()
        # Today's question (the suggested one) waits for the platform: an outage.
        fake.fail_channel(daily.id, 503)
        posted = await admin(fake, OWNER, "postnow")
        assert "retried automatically" in posted.text, posted.text

    fake.heal_channel(daily.id)
    clock.advance(hours=1)  # the draw's reveal fell due while the bot was stopped
    async with running_bot(fake, db, clock) as client:
        # The start delivered the waiting daily and revealed the draw: both need the
        # guild's questions, loaded before either.
        await client.quiz.scheduler.deliver_due()
        republished = fake.messages(daily.id, include_ephemeral=False)[-1]
        assert "Which builtin runs a coroutine to the end?" in republished.embed_text()
        revealed = await fake.wait_for_message(quiz.id, edited(message.id))
        assert "Suggested by Alice" in revealed.embed_text()
        assert "Answered 1 · correct 1 (100%)" in revealed.embed_text()


async def test_discords_refusals_become_the_engines_errors(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    champion = next(r for r in fake.guild.roles if r.name == "Champion")
    guild_id = str(fake.guild.id)
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        publisher = DiscordCommunityPublisher(client)
        with pytest.raises(RoleChangeFailed, match="I need Manage Roles") as refused:
            await publisher.change_role(guild_id, str(ALICE.id), str(champion.id), True)
        assert not refused.value.retry, "a forbidden change is not retried"

        fake.guild.bot_permissions = DEFAULT_BOT_PERMISSIONS | MANAGE_ROLES
        fake.guild.bot_role_position = 10
        await publisher.change_role(guild_id, str(ALICE.id), str(champion.id), True)
        assert champion.id in (fake.guild.get_member(ALICE.id) or ALICE_MEMBER).roles
        await publisher.change_role(guild_id, str(ALICE.id), str(champion.id), False)
        assert champion.id not in (fake.guild.get_member(ALICE.id) or ALICE_MEMBER).roles
        await publisher.change_role(guild_id, "424242", str(champion.id), True)  # left: no-op
        with pytest.raises(RoleChangeFailed, match="no longer exists"):
            await publisher.change_role(guild_id, str(ALICE.id), "515151", True)


async def test_channels_the_bot_cannot_use_are_refused_and_nothing_is_saved(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    guild = fake.guild
    for name, denied in (("review", SEND_MESSAGES), ("daily", ATTACH_FILES)):
        channel = fake.channel(name)
        guild.channels[guild.channels.index(channel)] = dataclasses.replace(
            channel, overwrites=((guild.bot_role_id, 0, denied),)
        )
    review, daily = fake.channel("review"), fake.channel("daily")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        refused = await admin(fake, OWNER, "suggestions", {"channel": review})
        assert refused.text == (
            f"I can't post suggestions in <#{review.id}>: I am missing Send Messages, Embed Links "
            "there. Nothing was saved."
        )
        await admin(fake, OWNER, "setup", {"channel": daily, "time": "09:00", "timezone": "UTC"})
        no_files = await admin(fake, OWNER, "recap", {"state": "on"})
        assert no_files.text == (
            f"The recap brings a picture: I need Attach Files in <#{daily.id}>. Nothing was saved."
        )
        status = await client.quiz.community.community.admin.status(str(guild.id))
        assert status.settings.review_channel_id is None
        assert not status.settings.recap_on


async def test_topics_complete_the_last_of_a_comma_separated_list(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock):
        choices = await (
            await fake.autocomplete(
                None, quiz.id, ALICE, "suggest", "topics", {"topics": "basics, asy"}
            )
        ).choices()
        assert [c["value"] for c in choices] == ["basics, asyncio"]


async def test_a_thread_whose_answer_was_lost_is_not_opened_twice(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    daily = fake.channel("daily")
    clock.set(datetime(2031, 3, 3, 12, 0, tzinfo=BERLIN))
    fake.guild.bot_permissions = DEFAULT_BOT_PERMISSIONS | CREATE_PUBLIC_THREADS
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(
            fake, OWNER, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )
        assert (await admin(fake, OWNER, "threads", {"state": "on"})).content == "Saved."

        def opens_a_thread(method: str, path: str) -> bool:
            return method == "POST" and path.endswith("/threads")

        # Discord makes the thread, but its answer is lost: the bot sees a 503.
        fake.lose_responses(opens_a_thread)
        revealed = await answer_daily(fake, client, clock, {ALICE: True})
        clock.advance(seconds=30)  # past the first backoff
        await client.quiz.scheduler.deliver_due()
        attempts = [r.status for r in fake.state.requests if opens_a_thread(r.method, r.path)]
        assert attempts == [503, 400], "retried once; Discord says the thread exists"
        assert list(fake.rest.guild_routes.threads) == [revealed.id]
        assert (await client.quiz.service.config(str(fake.guild.id))).last_error is None
