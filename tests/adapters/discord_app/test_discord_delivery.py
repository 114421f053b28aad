"""Delivery through the real discord.py client: never twice, never left open, every form heard."""

from __future__ import annotations

from tests.fake_discord import FakeDiscord, StoredMessage, make_guild

# isort: split
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.discord_app.publisher import post_nonce
from bot.scheduling import reveal_job_id
from tests.adapters.discord_app.test_discord_e2e import (
    BERLIN,
    _walk,
    admin,
    fire,
    running_bot,
    tick_at,
    view_of,
)
from tests.fakes import FakeClock


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """One server with a quiz and a daily channel."""
    async with FakeDiscord(guilds=[make_guild("G", channels=("quiz", "daily"))]) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    """Monday 2031-03-03 08:00 in Berlin."""
    return FakeClock(datetime(2031, 3, 3, 8, 0, tzinfo=BERLIN))


def buttons_disabled(message: StoredMessage | None) -> bool:
    """The answer buttons are disabled (the revealed post's "why" button stays live)."""
    assert message is not None
    found = [
        c
        for c in message.iter_components()
        if c.get("type") == 2 and str(c.get("custom_id", "")).startswith(("quiz:c:", "quiz:o:"))
    ]
    return bool(found) and all(c.get("disabled") for c in found)


def posts_to(channel_id: int) -> Callable[[str, str], bool]:
    return lambda method, path: method == "POST" and path == f"/channels/{channel_id}/messages"


async def test_a_reveal_edit_refused_by_an_outage_is_shown_after_a_restart(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    db = tmp_path / "q.db"
    async with running_bot(fake, db, clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        message = drawn.message
        assert message is not None
        view = await view_of(client, message)
        fake.fail_channel(quiz.id, 503)
        await fire(client, clock, reveal_job_id(view.post.post_id))
        await client.quiz.scheduler.deliver_due()
        assert not buttons_disabled(fake.get_message(message.id))
        refused = await (
            await fake.click(quiz.id, message.id, message.custom_ids()[0], alice)
        ).response()
        assert refused.text == "This question has already been revealed; answers are closed."
    fake.heal_channel(quiz.id)
    clock.advance(seconds=30)
    async with running_bot(fake, db, clock, seed=9):
        await fake.wait_for_message(quiz.id, lambda m: m.id == message.id and buttons_disabled(m))


async def test_a_reveal_edit_is_retried_with_backoff_until_it_works(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        fake.fail_channel(quiz.id, 503)
        await fire(client, clock, reveal_job_id(view.post.post_id))
        for _ in range(3):  # 5 s, 10 s, 20 s
            clock.advance(seconds=20)
            await client.quiz.scheduler.deliver_due()
        assert not buttons_disabled(fake.get_message(drawn.message.id))
        fake.heal_channel(quiz.id)
        clock.advance(seconds=40)
        await client.quiz.scheduler.deliver_due()
        assert buttons_disabled(fake.get_message(drawn.message.id))


async def test_a_rate_limit_is_waited_out_as_discord_asks(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        fake.fail_channel(quiz.id, 429, retry_after=120)
        await fire(client, clock, reveal_job_id(view.post.post_id))
        await client.quiz.scheduler.deliver_due()
        next_try = await client.quiz.service.store.next_delivery_at("discord")
        assert next_try == clock.now() + timedelta(seconds=120)
        fake.heal_channel(quiz.id)
        clock.advance(seconds=120)
        await client.quiz.scheduler.deliver_due()
        assert buttons_disabled(fake.get_message(drawn.message.id))


async def test_a_refused_reveal_edit_is_reported_in_status(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner = fake.make_user("owner", "Owner")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, owner, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        fake.fail_channel(quiz.id, 403)
        await fire(client, clock, reveal_job_id(view.post.post_id))
        await client.quiz.scheduler.deliver_due()
        status = await admin(fake, owner, "status")
        fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
        assert fields["Last error"].startswith("Could not show a reveal: missing permission")


async def test_postnow_during_an_outage_is_posted_once_when_it_ends(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner = fake.make_user("owner", "Owner")
    daily = fake.channel("daily")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        await admin(
            fake, owner, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )
        fake.fail_channel(daily.id, 503)
        first = await admin(fake, owner, "postnow")
        assert first.text.startswith("Today's question is saved, but the platform did not take it")
        assert "503" in first.text
        again = await admin(fake, owner, "postnow")
        assert again.text.startswith("Today's question is saved but not shown yet")
        assert fake.messages(daily.id, include_ephemeral=False) == []

        fake.heal_channel(daily.id)
        clock.advance(seconds=30)
        await client.quiz.scheduler.deliver_due()
        [posted] = fake.messages(daily.id, include_ephemeral=False)
        assert posted.embeds[0]["title"].startswith("Question of the day")
        done = await admin(fake, owner, "postnow")
        assert done.text == "Today's question is already posted."


async def test_a_lost_answer_to_the_daily_post_is_settled_by_the_nonce_after_a_restart(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner = fake.make_user("owner", "Owner")
    daily = fake.channel("daily")
    db = tmp_path / "q.db"
    async with running_bot(fake, db, clock) as client:
        await admin(
            fake, owner, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )
        # Discord creates the message, but the bot never learns its id.
        fake.lose_responses(posts_to(daily.id))
        await tick_at(client, clock, datetime(2031, 3, 3, 9, 0, tzinfo=BERLIN))
        [post] = await client.quiz.service.due_reveals()
        assert post.message_id is None
    clock.advance(seconds=10)
    async with running_bot(fake, db, clock, seed=9) as client:
        await client.quiz.scheduler.deliver_due()
        [message] = fake.messages(daily.id, include_ephemeral=False)
        post = await client.quiz.service.post(post.post_id)
        assert post.message_id == str(message.id)
    sends = [
        r
        for r in fake.requests
        if r.method == "POST" and r.path == f"/channels/{daily.id}/messages"
    ]
    assert len(sends) == 2
    assert {(r.body["nonce"], r.body["enforce_nonce"]) for r in sends} == {
        (post_nonce(post.post_id), True)
    }


async def test_a_retry_long_after_looks_for_the_post_instead_of_trusting_the_nonce(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    owner = fake.make_user("owner", "Owner")
    daily = fake.channel("daily")
    db = tmp_path / "q.db"
    async with running_bot(fake, db, clock) as client:
        await admin(
            fake, owner, "setup", {"channel": daily, "time": "09:00", "timezone": "Europe/Berlin"}
        )
        fake.lose_responses(posts_to(daily.id))
        await tick_at(client, clock, datetime(2031, 3, 3, 9, 0, tzinfo=BERLIN))
    fake.state.nonces.clear()  # Discord forgot the nonce: the bot was down for an hour
    clock.advance(hours=1)
    async with running_bot(fake, db, clock, seed=9) as client:
        await client.quiz.scheduler.deliver_due()
        [message] = fake.messages(daily.id, include_ephemeral=False)
        [post] = await client.quiz.service.due_reveals()
        assert post.message_id == str(message.id)


async def test_two_members_with_the_form_open_are_both_answered(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (
            await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz", {"topic": "design"})
        ).response()
        message = drawn.message
        assert message is not None
        [answer_id] = message.custom_ids()
        forms = [
            await (await fake.click(quiz.id, message.id, answer_id, user)).response()
            for user in (alice, bob)
        ]
        ids = [form.data["custom_id"] for form in forms]
        assert len(set(ids)) == 2, "one form id per member"
        for user, form in zip((alice, bob), forms, strict=True):
            [field] = [c for c in _walk(form.data["components"]) if c.get("type") == 4]
            ack = await (
                await fake.submit_modal(
                    form.data["custom_id"], {field["custom_id"]: f"{user.username} says"}, user
                )
            ).response()
            assert ack.ephemeral
            assert ack.text.startswith("Your answer is in.")
        post_id = (await view_of(client, message)).post.post_id
        for user in (alice, bob):
            stored = await client.quiz.service.answer_of(post_id, str(user.id))
            assert stored is not None
            assert stored.text == f"{user.username} says"


async def test_a_form_opened_before_a_restart_is_answered_after_it(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    db = tmp_path / "q.db"
    async with running_bot(fake, db, clock) as client:
        drawn = await (
            await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz", {"topic": "design"})
        ).response()
        message = drawn.message
        assert message is not None
        post_id = (await view_of(client, message)).post.post_id
        [answer_id] = message.custom_ids()
        form = await (await fake.click(quiz.id, message.id, answer_id, alice)).response()
    async with running_bot(fake, db, clock, seed=9) as client:
        [field] = [c for c in _walk(form.data["components"]) if c.get("type") == 4]
        ack = await (
            await fake.submit_modal(form.data["custom_id"], {field["custom_id"]: "mine"}, alice)
        ).response()
        assert ack.text.startswith("Your answer is in.")
        stored = await client.quiz.service.answer_of(post_id, str(alice.id))
        assert stored is not None
        assert stored.text == "mine"
