"""The real discord.py client, wired as `quizbot run` wires it, against the local fake Discord."""

from __future__ import annotations

# tests.fake_discord first: it imports discord.py with the audioop warning silenced.
from tests.fake_discord import (
    DEFAULT_MEMBER_PERMISSIONS,
    MANAGE_GUILD,
    FakeDiscord,
    FakeInteraction,
    FakeUser,
    InteractionEvent,
    StoredMessage,
    make_guild,
)

# isort: split
import asyncio
import random
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.adapters.discord_app.client import QuizClient
from bot.adapters.discord_app.main import build_client
from bot.core.bank import QuestionBank
from bot.core.model import PostView
from bot.scheduling import reveal_job_id
from bot.storage.sqlite import SqliteStore
from tests.fakes import FakeClock, small_bank

BERLIN = ZoneInfo("Europe/Berlin")
ADMIN_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | MANAGE_GUILD


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A fake Discord with two servers."""
    guilds = [
        make_guild("Pythonistas", channels=("quiz", "daily", "secret")),
        make_guild("Rustaceans", channels=("general",)),
    ]
    async with FakeDiscord(guilds=guilds) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    """Far from the real time, so that nothing real-time could fire by accident."""
    return FakeClock(datetime(2031, 3, 3, 8, 0, tzinfo=UTC))


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord, db: Path, clock: FakeClock, seed: int = 3
) -> AsyncIterator[QuizClient]:
    """The bot as `quizbot run --sync` builds it; scheduler jobs are fired by the test."""
    store = await SqliteStore.open(db)
    jobs = AsyncIOScheduler(timezone=UTC)
    jobs.start(paused=True)
    client = build_client(
        store, small_bank(), clock=clock, rng=random.Random(seed), sync=True, scheduler=jobs
    )
    try:
        async with fake.run_client(client):
            await fake.wait_for_command_sync()
            # Connected: the first tick caught up on whatever fell due meanwhile.
            await asyncio.wait_for(client.quiz.scheduler.caught_up.wait(), timeout=10)
            yield client
    finally:
        jobs.shutdown(wait=False)
        await store.close()


async def fire(client: QuizClient, clock: FakeClock, job_id: str) -> None:
    """Advance the clock to the job's next fire time and run it as APScheduler would."""
    # A /quiz handler may still be recording its message (which schedules the reveal).
    assert await client.quiz.inflight.drain(10)
    job = client.quiz.scheduler.scheduler.get_job(job_id)
    assert job is not None, job_id
    when = job.trigger.get_next_fire_time(None, clock.now())
    clock.set(when)
    await job.func(*job.args)


async def tick_at(client: QuizClient, clock: FakeClock, when: datetime) -> None:
    """The ticker's run at `when`, and the deliveries it caused."""
    assert await client.quiz.inflight.drain(10)
    clock.set(when)
    await client.quiz.scheduler.tick()
    await client.quiz.scheduler.deliver_due()


async def next_due(client: QuizClient, guild_id: int) -> datetime:
    config = await client.quiz.service.config(str(guild_id))
    assert config.next_due_at is not None
    return config.next_due_at


def edited(message_id: int) -> Callable[[StoredMessage], bool]:
    """Matches the message once it has been edited (revealed)."""
    return lambda m: m.id == message_id and m.edited_timestamp is not None


def custom_id_for(message: StoredMessage, choice: int) -> str:
    [custom_id] = [
        c for c in message.custom_ids() if c.endswith(f":{choice}") and c.startswith("quiz:c:")
    ]
    return custom_id


def post_id_of(message: StoredMessage) -> int:
    match = re.match(r"quiz:[co]:(\d+)", message.custom_ids()[0])
    assert match is not None
    return int(match[1])


async def view_of(client: QuizClient, message: StoredMessage) -> PostView:
    return await client.quiz.service.view(post_id_of(message))


def wrong_choice(view: PostView) -> int:
    return next(i for i in view.post.choice_order if i != view.question.correct_index)


async def admin(
    fake: FakeDiscord,
    user: FakeUser,
    sub: str,
    options: dict[str, Any] | None = None,
    guild: int | None = None,
    *,
    permissions: int = ADMIN_PERMISSIONS,
) -> InteractionEvent:
    guild_id = guild or fake.guild.id
    channel = next(c for c in fake.guilds if c.id == guild_id).channels[0]
    interaction = await fake.slash_command(
        guild_id,
        channel.id,
        user,
        "quizadmin",
        options or {},
        subcommand=sub,
        permissions=permissions,
        ignore_default_permissions=permissions & MANAGE_GUILD == 0,
    )
    return await final_reply(interaction)


async def final_reply(interaction: FakeInteraction) -> InteractionEvent:
    """The callback, or the followup that fills a deferred one."""
    first = await interaction.response()
    if first.type == 5:
        return await interaction.followup()
    return first


async def test_a_draw_answered_by_three_members_then_revealed(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice, bob, carol = (
        fake.make_user("alice", "Alice"),
        fake.make_user("bob", "Bob"),
        fake.make_user("carol", "Carol"),
    )
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (
            await fake.slash_command(
                fake.guild.id, quiz.id, alice, "quiz", {"difficulty": "senior"}
            )
        ).response()
        assert not drawn.ephemeral
        assert drawn.embeds[0]["title"].startswith("Quiz · senior")
        assert "Reveals <t:" in drawn.embeds[0]["description"]
        message = drawn.message
        assert message is not None
        assert len(message.custom_ids()) == 4
        view = await view_of(client, message)
        correct = view.question.correct_index
        assert correct is not None

        acks = []
        for user, choice in ((alice, correct), (bob, correct), (carol, wrong_choice(view))):
            ack = await (
                await fake.click(quiz.id, message.id, custom_id_for(message, choice), user)
            ).response()
            acks.append(ack)
        assert all(a.ephemeral for a in acks)
        assert all("is in. You can change it until the reveal" in a.text for a in acks)
        assert not any(
            word in a.text.lower() for a in acks for word in ("correct", "wrong", "right")
        )

        second = await (await fake.slash_command(fake.guild.id, quiz.id, bob, "quiz")).response()
        assert second.ephemeral
        assert "A question is already open here; it reveals <t:" in second.text

        await fire(client, clock, reveal_job_id(view.post.post_id))
        revealed = await fake.wait_for_message(
            quiz.id, lambda m: m.id == message.id and m.edited_timestamp is not None
        )
        text = revealed.embed_text()
        assert "revealed" in revealed.embeds[0]["title"]
        assert "Answered 3 · correct 2 (67%)" in text
        buttons = [
            c
            for c in revealed.iter_components()
            if c.get("type") == 2 and c["custom_id"].startswith("quiz:c:")
        ]
        assert len(buttons) == 4
        assert all(b.get("disabled") for b in buttons)
        assert [b["style"] for b in buttons].count(3) == 1, "the correct choice is marked green"

        board = await (
            await fake.slash_command(fake.guild.id, quiz.id, carol, "leaderboard")
        ).response()
        board_text = board.embeds[0]["description"]
        assert "**1.** Alice — 4 points" in board_text
        assert "**1.** Bob — 4 points" in board_text
        assert "**3.** Carol — 0 points" in board_text, "answered, scored 0: still on the board"
        assert "You:" not in board_text, "the caller is listed already"
        assert board.data["allowed_mentions"] == {"parse": []}

        stats = await (
            await fake.slash_command(fake.guild.id, quiz.id, carol, "stats", {"member": alice})
        ).response()
        fields = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
        assert fields["Points"] == "4 points"
        assert fields["Accuracy"] == "100% (1/1)"


async def test_answers_after_the_reveal_are_refused(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        message = drawn.message
        view = await view_of(client, message)
        # The reveal is committed but its message edit has not reached this member yet.
        await client.quiz.service.store.write(
            lambda tx: tx.mark_revealed(view.post.post_id, clock.now(), None)
        )
        click = await fake.click(quiz.id, message.id, message.custom_ids()[0], alice)
        refused = await click.response()
        assert refused.ephemeral
        assert refused.text == "This question has already been revealed; answers are closed."


async def test_daily_question_over_three_days_with_streaks(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner, alice, bob = (
        fake.make_user("owner", "Owner"),
        fake.make_user("alice", "Alice"),
        fake.make_user("bob", "Bob"),
    )
    daily = fake.channel("daily")
    clock.set(datetime(2031, 3, 3, 12, 0, tzinfo=BERLIN))  # Monday noon
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        saved = await admin(
            fake, owner, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )
        assert saved.ephemeral
        assert saved.content == "Saved."
        posts = []
        for day in range(3):
            await tick_at(client, clock, await next_due(client, fake.guild.id))
            assert clock.now().astimezone(BERLIN) == datetime(2031, 3, 4 + day, 9, 0, tzinfo=BERLIN)
            # The worker awaited Discord's answer, so the new post is already there.
            assert len(fake.messages(daily.id, include_ephemeral=False)) == day + 1
            message = fake.messages(daily.id, include_ephemeral=False)[-1]
            posts.append(message)
            assert message.embeds[0]["title"].startswith("Question of the day")
            view = await view_of(client, message)
            assert view.question.correct_index is not None
            await (
                await fake.click(
                    daily.id, message.id, custom_id_for(message, view.question.correct_index), alice
                )
            ).response()
            bob_choice = view.question.correct_index if day != 1 else wrong_choice(view)
            await (
                await fake.click(daily.id, message.id, custom_id_for(message, bob_choice), bob)
            ).response()
            # A tick shortly before the reveal gives it an exact job.
            post = await client.quiz.service.post(view.post.post_id)
            await tick_at(client, clock, post.reveal_at - timedelta(minutes=1))
            await fire(client, clock, reveal_job_id(view.post.post_id))
            await fake.wait_for_message(daily.id, edited(message.id))

        board = await (
            await fake.slash_command(fake.guild.id, daily.id, bob, "leaderboard", {"by": "streak"})
        ).response()
        text = board.embeds[0]["description"]
        assert "**1.** Alice — 3 days in a row" in text
        assert "**2.** Bob — 1 day in a row" in text
        stats = await (await fake.slash_command(fake.guild.id, daily.id, bob, "stats")).response()
        fields = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
        assert fields["Streak"] == "1 (best 1)"


async def test_restart_between_post_and_reveal(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    db = tmp_path / "q.db"
    async with running_bot(fake, db, clock) as client:
        drawn = await (
            await fake.slash_command(
                fake.guild.id, quiz.id, alice, "quiz", {"difficulty": "expert"}
            )
        ).response()
        assert drawn.message is not None
        message = drawn.message
        view = await view_of(client, message)
        correct = view.question.correct_index
        assert correct is not None
        await (
            await fake.click(quiz.id, message.id, custom_id_for(message, correct), alice)
        ).response()

    async with running_bot(fake, db, clock, seed=99) as restarted:
        ack = await (
            await fake.click(quiz.id, message.id, custom_id_for(message, correct), bob)
        ).response()
        assert "is in" in ack.text
        edits_before = len(
            [e for e in fake.message_events if e.kind == "edit" and e.message.id == message.id]
        )
        await fire(restarted, clock, reveal_job_id(view.post.post_id))
        revealed = await fake.wait_for_message(
            quiz.id, lambda m: m.id == message.id and m.edited_timestamp is not None
        )
        assert "Answered 2 · correct 2 (100%)" in revealed.embed_text()
        assert await restarted.quiz.service.reveal(view.post.post_id) is None
        edits = [e for e in fake.message_events if e.kind == "edit" and e.message.id == message.id]
        assert len(edits) == edits_before + 1, "revealed exactly once"


ADMIN_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("setup", {"channel": "daily", "time": "10:00", "timezone": "UTC"}),
    ("reveal", {"daily": "2h"}),
    ("difficulty", {"level": "expert"}),
    ("days", {"days": "mon-fri"}),
    ("pause", {}),
    ("resume", {}),
    ("postnow", {}),
    ("ping", {}),
    ("status", {}),
]


async def test_admin_commands_are_hidden_and_refused_at_run_time(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    member = fake.make_user("member", "Member")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        [group] = [c for c in fake.commands() if c["name"] == "quizadmin"]
        assert int(group["default_member_permissions"]) == MANAGE_GUILD
        before = await client.quiz.admin.status(str(fake.guild.id))
        for sub, options in ADMIN_CALLS:
            if "channel" in options:
                options = {**options, "channel": fake.channel(options["channel"])}
            refused = await admin(
                fake, member, sub, options, permissions=DEFAULT_MEMBER_PERMISSIONS
            )
            assert refused.ephemeral, sub
            assert (
                refused.text == "You need the Manage Server permission to change the quiz settings."
            ), sub
        assert await client.quiz.admin.status(str(fake.guild.id)) == before
        assert fake.messages(fake.channel("daily").id) == []


BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    (
        "setup",
        {"time": "25:99", "timezone": "Europe/Berlin"},
        "'25:99' is not a valid time: hours go 00-23 and minutes 00-59.",
    ),
    (
        "setup",
        {"time": "9am", "timezone": "Europe/Berlin"},
        "'9am' is not a time: use HH:MM in 24-hour form, e.g. 09:30.",
    ),
    (
        "setup",
        {"time": "09:00", "timezone": "Mars/Base"},
        "'Mars/Base' is not a known time zone: use an IANA name such as Europe/Berlin, America/New_York or UTC.",
    ),
    (
        "reveal",
        {"daily": "30s"},
        "The daily reveal delay must be between 1m and 23h; '30s' is 30s.",
    ),
    (
        "reveal",
        {"daily": "2h", "draw": "2h"},
        "The draw reveal delay must be between 10s and 1h; '2h' is 2h.",
    ),
    ("reveal", {"draw": "soon"}, "'soon' is not a duration: use forms like 90s, 15m, 8h or 1h30m."),
    (
        "days",
        {"days": "funday"},
        "'funday' is not a day: use every, mon-fri, or days like mon,wed,fri.",
    ),
]


async def test_bad_admin_input_is_answered_and_changes_nothing(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner = fake.make_user("owner", "Owner")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(fake, owner, "setup", {"channel": quiz, "time": "08:00", "timezone": "UTC"})
        before = await client.quiz.admin.status(str(fake.guild.id))
        for sub, options, message in BAD_INPUT:
            if sub == "setup":
                options = {"channel": fake.channel("daily"), **options}
            answer = await admin(fake, owner, sub, options)
            assert answer.ephemeral
            assert answer.text == message
        assert await client.quiz.admin.status(str(fake.guild.id)) == before
        unknown = await (
            await fake.slash_command(fake.guild.id, quiz.id, owner, "quiz", {"topic": "cooking"})
        ).response()
        assert unknown.text == (
            "Unknown topic 'cooking'. Levels are entry, junior, mid, senior, expert; "
            "the topics command lists every topic."
        )


async def test_autocomplete_offers_at_most_25(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner = fake.make_user("owner", "Owner")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock):
        zones = await (
            await fake.autocomplete(
                fake.guild.id,
                quiz.id,
                owner,
                "quizadmin",
                "timezone",
                {"timezone": "america/"},
                subcommand="setup",
                permissions=ADMIN_PERMISSIONS,
            )
        ).choices()
        assert len(zones) == 25
        assert all(z["name"].startswith("America/") for z in zones)
        topics = await (
            await fake.autocomplete(
                fake.guild.id, quiz.id, owner, "quiz", "topic", {"topic": "asy"}
            )
        ).choices()
        assert [t["value"] for t in topics] == ["asyncio"]


async def test_a_forbidden_channel_is_reported_and_other_servers_go_on(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner = fake.make_user("owner", "Owner")
    daily = fake.channel("daily")
    other_guild = fake.guilds[1]
    general = other_guild.channels[0]
    clock.set(datetime(2031, 3, 3, 8, 30, tzinfo=UTC))
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(fake, owner, "setup", {"channel": daily, "time": "09:00", "timezone": "UTC"})
        await admin(
            fake,
            owner,
            "setup",
            {"channel": general, "time": "09:00", "timezone": "UTC"},
            guild=other_guild.id,
        )
        fake.fail_channel(daily.id, 403)

        await tick_at(client, clock, datetime(2031, 3, 3, 9, 0, tzinfo=UTC))
        posted = await fake.wait_for_message(general.id, lambda m: m.custom_ids() != [])
        assert posted.embeds[0]["title"].startswith("Question of the day")
        status = await admin(fake, owner, "status")
        fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
        assert fields["Last error"].startswith(
            "Could not post the daily question: missing permission in channel"
        )
        assert "(403)" in fields["Last error"]

        failed = await admin(fake, owner, "postnow")
        assert failed.text.startswith(
            "Could not post the daily question: missing permission in channel"
        )

        fake.heal_channel(daily.id)
        retried = await admin(fake, owner, "postnow")
        assert retried.text == f"Posted in <#{daily.id}>."
        await fake.wait_for_message(daily.id, lambda m: m.custom_ids() != [])
        status = await admin(fake, owner, "status")
        fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
        assert fields["Last error"] == "none"


async def test_open_question_modal_and_self_grade(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (
            await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz", {"topic": "design"})
        ).response()
        assert drawn.message is not None
        message = drawn.message
        [answer_id] = message.custom_ids()
        modal = await (await fake.click(quiz.id, message.id, answer_id, alice)).response()
        assert modal.type == 9
        [field] = [c for c in _walk(modal.data["components"]) if c.get("type") == 4]
        ack = await (
            await fake.submit_modal(
                modal.data["custom_id"], {field["custom_id"]: "Use a queue"}, alice
            )
        ).response()
        assert ack.ephemeral
        assert ack.text.startswith("Your answer is in.")

        post_id = post_id_of(message)
        await fire(client, clock, reveal_job_id(post_id))
        revealed = await fake.wait_for_message(
            quiz.id, lambda m: m.id == message.id and m.edited_timestamp is not None
        )
        grade_ids = revealed.custom_ids()
        assert grade_ids == [f"quiz:g:{post_id}:1", f"quiz:g:{post_id}:0", f"quiz:w:{post_id}"]
        graded = await (await fake.click(quiz.id, message.id, grade_ids[0], alice)).response()
        assert graded.text == "Counted. Nice one!"
        again = await (await fake.click(quiz.id, message.id, grade_ids[0], alice)).response()
        assert again.text == "Only members who answered before the reveal can grade, once."
        stats = await client.quiz.service.stats(str(fake.guild.id), str(alice.id))
        assert stats is not None
        assert (stats.points, stats.correct) == (0, 1), "self-grades score only where allowed"


async def test_private_practice_is_ephemeral_and_reveals_on_answer(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (
            await fake.slash_command(
                fake.guild.id, quiz.id, alice, "quiz", {"difficulty": "entry", "private": True}
            )
        ).response()
        assert drawn.ephemeral
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        correct = view.question.correct_index
        assert correct is not None
        result = await (
            await fake.click(
                quiz.id, drawn.message.id, custom_id_for(drawn.message, correct), alice
            )
        ).response()
        assert result.type == 7, "the practice message itself turns into the result"
        assert result.embeds[0]["description"].startswith("✅ Correct!")
        assert await client.quiz.service.stats(str(fake.guild.id), str(alice.id)) is None


async def test_names_never_ping(fake: FakeDiscord, tmp_path: Path, clock: FakeClock) -> None:
    troll = fake.make_user("troll", "@everyone")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (
            await fake.slash_command(fake.guild.id, quiz.id, troll, "quiz", {"difficulty": "entry"})
        ).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        assert view.question.correct_index is not None
        await (
            await fake.click(
                quiz.id,
                drawn.message.id,
                custom_id_for(drawn.message, view.question.correct_index),
                troll,
            )
        ).response()
        await client.quiz.service.reveal(view.post.post_id)
        board = await (
            await fake.slash_command(fake.guild.id, quiz.id, troll, "leaderboard")
        ).response()
        assert "@\u200beveryone" in board.embeds[0]["description"]
        assert board.data["allowed_mentions"] == {"parse": []}


def _walk(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for component in components:
        found.append(component)
        found.extend(_walk(component.get("components", [])))
        if "component" in component:
            found.append(component["component"])
    return found


async def test_topic_autocomplete_shows_descriptions_after_a_reload(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner = fake.make_user("owner", "Owner")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        bank = client.quiz.service.bank
        described = {"asyncio": "Coroutines, tasks, the event loop. " * 4, "basics": "Syntax."}
        bank.replace(QuestionBank(list(bank), described))
        topics = await (
            await fake.autocomplete(fake.guild.id, quiz.id, owner, "quiz", "topic", {"topic": "a"})
        ).choices()
    names = {t["value"]: t["name"] for t in topics}
    assert names["basics"] == "basics — Syntax."
    assert names["asyncio"].startswith("asyncio — Coroutines, tasks, the event loop. Coroutines")
    assert len(names["asyncio"]) == 100
    assert names["asyncio"].endswith("…")
