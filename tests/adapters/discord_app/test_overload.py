"""Clicks under load: an expired one is one log line and never answered twice, and an answer
whose commit runs late is deferred first and acknowledged as a followup once committed."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.adapters.discord_app import context
from bot.adapters.discord_app.client import QuizClient
from bot.core.model import Answer
from tests.adapters.discord_app.test_discord_e2e import (
    _walk,
    clock,  # noqa: F401 - fixture
    custom_id_for,
    fake,  # noqa: F401 - fixture
    running_bot,
    view_of,
)
from tests.fake_discord import FakeDiscord, FakeInteraction, RecordedRequest
from tests.fakes import FakeClock


async def test_an_expired_click_is_one_line_and_never_answered_twice(
    fake: FakeDiscord,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        caplog.clear()
        caplog.set_level(logging.WARNING)
        fake.state.interactions_expire = True
        before = len(fake.requests)
        click = await fake.click(quiz.id, drawn.message.id, drawn.message.custom_ids()[0], bob)
        for _ in range(500):  # the handler runs in the client: wait for its outcome
            if caplog.records:
                break
            await asyncio.sleep(0.01)
        answers = [r for r in fake.requests[before:] if f"/interactions/{click.id}/" in r.path]
        assert len(answers) == 1, "one attempt to answer, no second one after the failure"
        [record] = caplog.records
        assert record.getMessage().startswith("interaction expired before it was answered")
        assert record.exc_info is None, "no traceback"
        # The answer itself was committed: only the acknowledgement came too late.
        assert await client.quiz.service.answer_of(view.post.post_id, str(bob.id)) is not None


class GatedCommit:
    """Holds every answer before it reaches the store until the test opens the gate."""

    def __init__(self, client: QuizClient, monkeypatch: pytest.MonkeyPatch) -> None:
        store = client.quiz.service.store
        submit = store.submit_answer
        self.arrived = asyncio.Event()
        self.opened = asyncio.Event()

        async def gated(answer: Answer) -> bool:
            self.arrived.set()
            await self.opened.wait()
            return await submit(answer)

        monkeypatch.setattr(store, "submit_answer", gated)

    def open(self) -> None:
        self.opened.set()


def requests_for(server: FakeDiscord, click: FakeInteraction) -> list[RecordedRequest]:
    """What the bot sent about one interaction: its callback, and webhook calls by token."""
    return [
        r
        for r in server.requests
        if f"/interactions/{click.id}/" in r.path or click.token in r.path
    ]


@pytest.fixture
def late_commits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every commit runs past the budget: the deferral goes out before the gate opens."""
    monkeypatch.setattr(context, "ACK_BUDGET_S", 0.0)


@pytest.mark.usefixtures("late_commits")
async def test_an_answer_committed_late_is_deferred_then_acknowledged_once(
    fake: FakeDiscord,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        gate = GatedCommit(client, monkeypatch)
        click = await fake.click(quiz.id, drawn.message.id, drawn.message.custom_ids()[0], bob)
        deferred = await click.response()
        assert (deferred.type, deferred.ephemeral) == (5, True), "thinking, only Bob sees it"
        assert await client.quiz.service.answer_of(view.post.post_id, str(bob.id)) is None
        assert click.awaiting_followup, "nothing said before the commit"

        gate.open()
        ack = await click.followup()
        assert ack.ephemeral
        assert "is in. You can change it until the reveal" in ack.text
        assert await client.quiz.service.answer_of(view.post.post_id, str(bob.id)) is not None
        assert await client.quiz.inflight.drain(10)
        sent = [(r.method, r.status) for r in requests_for(fake, click)]
        assert sent == [("POST", 200), ("POST", 200)], "one deferral, one followup"
        assert [e.kind for e in click.events.items] == ["callback", "followup"]


@pytest.mark.usefixtures("late_commits")
async def test_an_answer_refused_after_a_deferral_says_so_in_the_followup(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        assert await client.quiz.inflight.drain(10), "the draw has recorded its message"
        gate = GatedCommit(client, monkeypatch)
        click = await fake.click(quiz.id, drawn.message.id, drawn.message.custom_ids()[0], bob)
        assert (await click.response()).type == 5
        await gate.arrived.wait()
        # The reveal commits while Bob's answer waits: the answer comes too late.
        clock.set(view.post.reveal_at)
        assert await client.quiz.service.reveal(view.post.post_id) is not None
        gate.open()
        refused = await click.followup()
        assert refused.ephemeral
        assert refused.text == "This question has already been revealed; answers are closed."
        assert await client.quiz.service.answer_of(view.post.post_id, str(bob.id)) is None
        assert [e.kind for e in click.events.items] == ["callback", "followup"]


@pytest.mark.usefixtures("late_commits")
async def test_a_private_answer_committed_late_edits_the_practice_message(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (
            await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz", {"private": True})
        ).response()
        assert drawn.message is not None
        assert drawn.ephemeral
        view = await view_of(client, drawn.message)
        correct = view.question.correct_index
        assert correct is not None
        gate = GatedCommit(client, monkeypatch)
        click = await fake.click(
            quiz.id, drawn.message.id, custom_id_for(drawn.message, correct), alice
        )
        assert (await click.response()).type == 6, "deferred as an update of the practice"
        gate.open()
        edited = await click.wait_for(kind="edit_original")
        assert edited.message is not None
        assert edited.message.id == drawn.message.id
        assert edited.embeds[0]["description"].startswith("✅ Correct!")
        assert edited.message.custom_ids() == [], "the buttons are gone"
        assert [e.kind for e in click.events.items] == ["callback", "edit_original"]


@pytest.mark.usefixtures("late_commits")
async def test_an_open_answer_committed_late_is_deferred_then_acknowledged(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = fake.make_user("alice", "Alice")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (
            await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz", {"topic": "design"})
        ).response()
        assert drawn.message is not None
        [answer_id] = drawn.message.custom_ids()
        form = await (await fake.click(quiz.id, drawn.message.id, answer_id, alice)).response()
        assert form.type == 9, "opening the form commits nothing: no deferral"
        gate = GatedCommit(client, monkeypatch)
        [field] = [c for c in _walk(form.data["components"]) if c.get("type") == 4]
        submit = await fake.submit_modal(
            form.data["custom_id"], {field["custom_id"]: "Use a queue"}, alice
        )
        assert (await submit.response()).type == 5
        gate.open()
        ack = await submit.followup()
        assert ack.ephemeral
        assert ack.text.startswith("Your answer is in.")
        assert [e.kind for e in submit.events.items] == ["callback", "followup"]


@pytest.mark.usefixtures("late_commits")
async def test_a_deferral_refused_as_expired_is_one_line_and_nothing_follows(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        gate = GatedCommit(client, monkeypatch)
        caplog.clear()
        caplog.set_level(logging.WARNING)
        fake.state.interactions_expire = True
        click = await fake.click(quiz.id, drawn.message.id, drawn.message.custom_ids()[0], bob)
        await gate.arrived.wait()
        gate.open()
        assert await client.quiz.inflight.drain(10)
        assert len(requests_for(fake, click)) == 1, "the deferral only: no reply after it"
        [record] = caplog.records
        assert record.getMessage().startswith("interaction expired before it was answered")
        assert record.exc_info is None
        assert await client.quiz.service.answer_of(view.post.post_id, str(bob.id)) is not None


async def test_an_answer_committed_in_time_is_answered_directly(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        click = await fake.click(quiz.id, drawn.message.id, drawn.message.custom_ids()[0], bob)
        ack = await click.response()
        assert (ack.type, ack.ephemeral) == (4, True)
        assert "is in. You can change it until the reveal" in ack.text
        assert await client.quiz.inflight.drain(10)
        assert len(requests_for(fake, click)) == 1, "one response, no deferral, no followup"


async def test_a_click_already_past_the_window_is_committed_without_a_request(
    fake: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice, bob = fake.make_user("alice", "Alice"), fake.make_user("bob", "Bob")
    quiz = fake.channel("quiz")
    async with running_bot(fake, tmp_path / "q.db", clock) as client:
        drawn = await (await fake.slash_command(fake.guild.id, quiz.id, alice, "quiz")).response()
        assert drawn.message is not None
        view = await view_of(client, drawn.message)
        assert await client.quiz.inflight.drain(10)
        caplog.clear()
        caplog.set_level(logging.WARNING)
        # As if the click had waited in a backlog: Discord's window closed before its turn.
        monkeypatch.setattr(context, "RESPONSE_WINDOW_S", -1.0)
        click = await fake.click(quiz.id, drawn.message.id, drawn.message.custom_ids()[0], bob)
        for _ in range(500):  # the handler runs in the client: wait for its outcome
            if caplog.records:
                break
            await asyncio.sleep(0.01)
        assert await client.quiz.inflight.drain(10)
        assert requests_for(fake, click) == [], "no doomed request"
        [record] = caplog.records
        assert record.getMessage().startswith("interaction expired before it was answered")
        assert await client.quiz.service.answer_of(view.post.post_id, str(bob.id)) is not None
