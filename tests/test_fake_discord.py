"""Self-test of tests.fake_discord: a real discord.py client against the fake Discord."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import AsyncIterator
from typing import Any

# tests.fake_discord first: it imports discord.py with the audioop DeprecationWarning silenced.
from tests.fake_discord import (
    MANAGE_GUILD,
    ClientError,
    FakeDiscord,
    FakeUser,
    StoredMessage,
    WaitTimeout,
    make_guild,
    shard_of,
    snowflake_on_shard,
)
from tests.fake_discord import responses as fake_responses

# isort: split
import discord
import discord.asset
import discord.gateway
import discord.http
import pytest
from discord import app_commands

TOPICS = ["python", "pytest", "asyncio", "typing"]


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:answer:(?P<qid>\d+):(?P<choice>[a-d])",
):
    """A persistent answer button whose state lives in its custom_id."""

    def __init__(self, qid: int, choice: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=choice.upper(),
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:answer:{qid}:{choice}",
            )
        )
        self.qid = qid
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        """Rebuild the button from a clicked custom_id."""
        return cls(int(match["qid"]), match["choice"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the answer and edit the question message."""
        client: QuizClient = interaction.client
        client.answers.append((interaction.user.id, self.qid, self.choice))
        await interaction.response.edit_message(
            content=f"{interaction.user.name} answered {self.choice.upper()}", view=None
        )


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """A one-field modal."""

    comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Comment", custom_id="comment", max_length=200
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Thank the user, ephemerally."""
        await interaction.response.send_message(f"thanks: {self.comment.value}", ephemeral=True)


def question_view(qid: int) -> discord.ui.View:
    """Build a persistent view with four answer buttons."""
    view = discord.ui.View(timeout=None)
    for choice in "abcd":
        view.add_item(AnswerButton(qid, choice))
    return view


class QuizTree(app_commands.CommandTree[Any]):
    """A command tree that answers MissingPermissions politely and logs everything else."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        """Tell the member what they lack; defer to discord.py's logging otherwise."""
        if isinstance(error, app_commands.MissingPermissions):
            await interaction.response.send_message("You need Manage Server.", ephemeral=True)
            return
        await super().on_error(interaction, error)


class QuizClient(discord.Client):
    """A tiny bot exercising slash commands, autocomplete, buttons, defer and modals."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = QuizTree(self)
        self.answers: list[tuple[int, int, str]] = []
        self._register()

    async def setup_hook(self) -> None:
        """Register the dynamic button and sync global commands, like a real bot."""
        self.add_dynamic_items(AnswerButton)
        await self.tree.sync()

    def _register(self) -> None:
        tree = self.tree

        async def topic_autocomplete(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if current in t]

        @tree.command(name="quiz", description="Ask a question")
        @app_commands.describe(topic="What to ask about", private="Only you see it")
        @app_commands.autocomplete(topic=topic_autocomplete)
        async def quiz(
            interaction: discord.Interaction[Any], topic: str, private: bool = False
        ) -> None:
            await interaction.response.send_message(
                f"Question on {topic}", view=question_view(7), ephemeral=private
            )

        @tree.command(name="setup", description="Admin only")
        @app_commands.checks.has_permissions(manage_guild=True)
        async def setup(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message("configured", ephemeral=True)

        @tree.command(name="slow", description="Defers, then follows up")
        async def slow(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("first")
            await interaction.followup.send("second")
            await interaction.edit_original_response(content="first (edited)")

        @tree.command(name="feedback", description="Opens a modal")
        async def feedback(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_modal(FeedbackModal())

        admin = app_commands.Group(name="admin", description="Admin things")

        @admin.command(name="greet", description="Greets a member in a channel")
        async def greet(
            interaction: discord.Interaction[Any],
            member: discord.Member,
            channel: discord.TextChannel,
            times: app_commands.Range[int, 1, 3] = 1,
        ) -> None:
            text = f"hi {member.display_name} in #{channel.name} x{times}"
            await interaction.response.send_message(text)

        tree.add_command(admin)

        @tree.command(name="boom", description="Crashes")
        async def boom(interaction: discord.Interaction[Any]) -> None:
            raise RuntimeError("kaboom")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord with one guild (#general, #quiz)."""
    guild = make_guild("Quiz Guild", channels=("general", "quiz"))
    async with FakeDiscord(guilds=[guild], bot_name="QuizBot") as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[QuizClient]:
    """The QuizClient logged in to the fake and ready."""
    async with fake.run_client(QuizClient()) as client:
        yield client


@pytest.fixture
def alice(fake: FakeDiscord) -> FakeUser:
    """An ordinary member."""
    return fake.make_user("alice", "Alice")


async def test_login_ready_and_sync(fake: FakeDiscord, bot: QuizClient) -> None:
    assert bot.user is not None
    assert bot.user.id == fake.bot_user.id
    assert bot.application_id == fake.application_id
    guild = bot.get_guild(fake.guild.id)
    assert guild is not None
    assert {c.name for c in guild.text_channels} == {"general", "quiz"}
    assert fake.gateway.connections[0].query["encoding"] == "json"
    assert fake.gateway.connections[0].compression == "zlib-stream"

    sync = await fake.wait_for_command_sync()
    assert sorted(sync.names) == ["admin", "boom", "feedback", "quiz", "setup", "slow"]
    quiz = next(c for c in fake.commands() if c["name"] == "quiz")
    assert [(o["name"], o.get("autocomplete", False)) for o in quiz["options"]] == [
        ("topic", True),
        ("private", False),
    ]
    fetched = await bot.tree.fetch_commands()
    assert {c.name for c in fetched} == {"admin", "boom", "feedback", "quiz", "setup", "slow"}
    fake.assert_no_unknown_routes()


async def test_slash_command_autocomplete_and_button(
    fake: FakeDiscord, bot: QuizClient, alice: FakeUser
) -> None:
    channel = fake.channel("quiz")
    ac = await fake.autocomplete(fake.guild.id, channel.id, alice, "quiz", "topic", {"topic": "py"})
    assert [c["name"] for c in await ac.choices()] == ["python", "pytest"]

    interaction = await fake.slash_command(
        fake.guild.id, channel.id, alice, "quiz", {"topic": "py"}
    )
    response = await interaction.response()
    assert response.type == 4
    assert response.content == "Question on py"
    assert not response.ephemeral
    assert response.message is not None
    question = response.message
    assert question.custom_ids() == [f"quiz:answer:7:{c}" for c in "abcd"]
    assert await fake.wait_for_message(channel.id, lambda m: m.id == question.id)

    bob = fake.make_user("bob")
    click = await fake.click(channel.id, question.id, "quiz:answer:7:b", bob)
    clicked = await click.response()
    assert clicked.type == 7
    assert clicked.content == "bob answered B"
    edited = await fake.wait_for_message(
        channel.id, lambda m: m.id == question.id and m.edited_timestamp is not None
    )
    assert edited.components == []
    assert bot.answers == [(bob.id, 7, "b")]
    with pytest.raises(LookupError):
        await fake.click(channel.id, question.id, "quiz:answer:7:a", bob)

    private = await fake.slash_command(
        fake.guild.id, channel.id, alice, "quiz", {"topic": "typing", "private": True}
    )
    assert (await private.response()).ephemeral
    public = [m.content for m in fake.messages(channel.id, include_ephemeral=False)]
    assert public == ["bob answered B"]


async def test_permissions_checks(fake: FakeDiscord, bot: QuizClient, alice: FakeUser) -> None:
    channel = fake.channel("general")
    denied = await fake.slash_command(fake.guild.id, channel.id, alice, "setup")
    denied_response = await denied.response()
    assert denied_response.content == "You need Manage Server."
    assert denied_response.ephemeral

    allowed = await fake.slash_command(
        fake.guild.id, channel.id, alice, "setup", permissions=MANAGE_GUILD
    )
    assert (await allowed.response()).content == "configured"


async def test_defer_followups_and_edit_original(
    fake: FakeDiscord, bot: QuizClient, alice: FakeUser
) -> None:
    channel = fake.channel("general")
    interaction = await fake.slash_command(fake.guild.id, channel.id, alice, "slow")
    callback = await interaction.response()
    assert callback.type == 5
    assert callback.message is not None
    assert callback.message.loading
    assert callback.ephemeral

    first = await interaction.followup(0)
    assert first.message is not None
    assert first.message.id == interaction.original_message_id
    assert first.content == "first"
    assert first.ephemeral
    second = await interaction.followup(1)
    assert second.message is not None
    assert second.message.id != interaction.original_message_id
    assert not second.ephemeral
    final = await interaction.settled(lambda m: m.content == "first (edited)")
    assert not final.loading


async def test_a_first_response_after_the_window_is_refused(
    fake: FakeDiscord, bot: QuizClient, alice: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = fake.channel("general")
    fake.state.interaction_window_s = 3.0
    on_time = await fake.slash_command(
        fake.guild.id, channel.id, alice, "setup", permissions=MANAGE_GUILD
    )
    await on_time.response()
    assert on_time.responded_at is not None
    assert 0 <= on_time.responded_at - on_time.sent_at <= 3.0

    # The fake's clock jumps 10 s ahead: every interaction is answered too late.
    monkeypatch.setattr(fake_responses, "monotonic", lambda: time.monotonic() + 10)
    late = await fake.slash_command(
        fake.guild.id, channel.id, alice, "setup", permissions=MANAGE_GUILD
    )
    with pytest.raises(ClientError, match="Unknown interaction"):
        await late.response()
    assert not late.responded
    [refused] = [r for r in fake.requests if f"/interactions/{late.id}/" in r.path]
    assert (refused.status, refused.response["code"]) == (404, 10062)
    fake.client_errors.clear()


async def test_modal_round_trip(fake: FakeDiscord, bot: QuizClient, alice: FakeUser) -> None:
    channel = fake.channel("general")
    opener = await fake.slash_command(fake.guild.id, channel.id, alice, "feedback")
    modal = await opener.response()
    assert modal.type == 9
    assert modal.data["title"] == "Feedback"

    with pytest.raises(LookupError):
        await fake.submit_modal("no-such-modal", {}, alice)
    with pytest.raises(ValueError, match="required"):
        await fake.submit_modal(modal.data["custom_id"], {})
    submit = await fake.submit_modal(modal.data["custom_id"], {"comment": "great quiz"})
    answer = await submit.response()
    assert answer.content == "thanks: great quiz"
    assert answer.ephemeral


async def test_channel_failures_and_validation(fake: FakeDiscord, bot: QuizClient) -> None:
    channel = bot.get_channel(fake.channel("quiz").id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("hello", file=discord.File(io.BytesIO(b"data"), "notes.txt"))
    stored = await fake.wait_for_message(channel.id, lambda m: m.id == sent.id)
    assert stored.content == "hello"
    assert stored.attachments[0]["filename"] == "notes.txt"
    assert await sent.attachments[0].read() == b"data"

    fake.fail_channel(channel.id, 403)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("nope")
    assert forbidden.value.code == 50013
    with pytest.raises(discord.Forbidden):
        await sent.edit(content="nope")

    fake.fail_channel(channel.id, 404)
    with pytest.raises(discord.NotFound) as missing:
        await channel.send("nope")
    assert missing.value.code == 10003

    fake.heal_channel(channel.id)
    edited = await sent.edit(content="edited")
    assert edited.content == "edited"
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.code == 50035
    assert [m.content for m in fake.messages(channel.id)] == ["edited"]
    assert fake.messages(channel.id)[0].attachments[0]["filename"] == "notes.txt"


async def test_nonce_with_enforce_nonce_returns_the_first_message(
    fake: FakeDiscord, bot: QuizClient
) -> None:
    channel = bot.get_channel(fake.channel("quiz").id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("once", nonce="post:1")
    again = await channel.send("once more", nonce="post:1")
    other = await channel.send("another", nonce="post:2")
    assert again.id == first.id
    assert other.id != first.id
    assert [m.content for m in fake.messages(channel.id)] == ["once", "another"]
    [sent] = [
        r for r in fake.requests if isinstance(r.body, dict) and r.body.get("nonce") == "post:2"
    ]
    assert sent.body["enforce_nonce"] is True
    await first.delete()
    with pytest.raises(discord.NotFound):
        await channel.send("after delete", nonce="post:1")


async def test_transient_failures_lost_and_held_answers(fake: FakeDiscord, bot: QuizClient) -> None:
    channel = bot.get_channel(fake.channel("quiz").id)
    assert isinstance(channel, discord.TextChannel)
    fake.fail_channel(channel.id, 503)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("down")
    fake.fail_channel(channel.id, 429, retry_after=90)
    bot.http.max_ratelimit_timeout = 30.0
    with pytest.raises(discord.RateLimited) as limited:
        await channel.send("too fast")
    assert limited.value.retry_after == 90
    fake.heal_channel(channel.id)

    posts = f"/channels/{channel.id}/messages"
    fake.lose_responses(lambda method, path: method == "POST" and path == posts)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("made, answer lost")
    assert [m.content for m in fake.messages(channel.id)] == ["made, answer lost"]

    hold = fake.hold(lambda method, path: method == "POST" and path == posts)
    sending = asyncio.create_task(channel.send("held"))
    await hold.arrived.wait()
    assert not sending.done()
    assert fake.messages(channel.id)[-1].content == "held", "made before the answer"
    hold.release()
    assert (await sending).content == "held"


async def test_unknown_routes_are_recorded(fake: FakeDiscord, bot: QuizClient) -> None:
    with pytest.raises(discord.NotFound):
        await bot.fetch_guild_preview(fake.guild.id)
    assert [str(r) for r in fake.unknown_routes] == [f"GET /guilds/{fake.guild.id}/preview -> 404"]
    with pytest.raises(AssertionError, match="preview"):
        fake.assert_no_unknown_routes()


async def test_gateway_resume_and_wait_timeout(
    fake: FakeDiscord, bot: QuizClient, alice: FakeUser
) -> None:
    login = await fake.reconnect_gateway()
    assert login.kind == "resume"
    interaction = await fake.slash_command(
        fake.guild.id, fake.channel("general").id, alice, "setup"
    )
    assert (await interaction.response()).ephemeral

    with pytest.raises(WaitTimeout, match="channel"):
        await fake.wait_for_message(fake.channel("general").id, lambda m: False, timeout=0.05)


def _discord_urls() -> tuple[str, object, str]:
    return (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        discord.asset.Asset.BASE,
    )


async def test_urls_are_patched_and_restored() -> None:
    before = _discord_urls()
    async with FakeDiscord() as server:
        assert server.api_url == discord.http.Route.BASE
        assert server.api_url.startswith("http://127.0.0.1:")
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == server.gateway_url
        assert discord.asset.Asset.BASE.startswith(server.base_url)
    assert before == _discord_urls()


def _is_question(message: StoredMessage) -> bool:
    return message.content.startswith("Question")


async def test_wait_for_message_sees_history(
    fake: FakeDiscord, bot: QuizClient, alice: FakeUser
) -> None:
    channel = fake.channel("quiz")
    interaction = await fake.slash_command(
        fake.guild.id, channel.id, alice, "quiz", {"topic": "asyncio"}
    )
    await interaction.response()
    found = await asyncio.wait_for(fake.wait_for_message(channel.id, _is_question), timeout=5)
    assert found.author.id == fake.bot_user.id


async def test_bot_errors_fail_waits_fast(
    fake: FakeDiscord, bot: QuizClient, alice: FakeUser
) -> None:
    interaction = await fake.slash_command(fake.guild.id, fake.channel("general").id, alice, "boom")
    with pytest.raises(ClientError, match="kaboom"):
        await interaction.response(timeout=30)
    assert any("kaboom" in e for e in fake.client_errors)
    fake.client_errors.clear()  # expected; otherwise run_client fails the test on exit


async def test_group_subcommand_with_entity_options(
    fake: FakeDiscord, bot: QuizClient, alice: FakeUser
) -> None:
    quiz_channel = fake.channel("quiz")
    general = fake.channel("general")
    interaction = await fake.slash_command(
        fake.guild.id,
        general.id,
        alice,
        "admin",
        {"member": alice, "channel": quiz_channel.id, "times": 2},
        subcommand="greet",
    )
    assert (await interaction.response()).content == "hi Alice in #quiz x2"
    with pytest.raises(ValueError, match="outside"):
        await fake.slash_command(
            None,
            general.id,
            alice,
            "admin",
            {"member": alice, "channel": general, "times": 9},
            subcommand="greet",
        )
    with pytest.raises(ValueError, match="missing required"):
        await fake.slash_command(None, general.id, alice, "admin", {}, subcommand="greet")


async def test_each_shard_gets_only_its_guilds_and_their_events() -> None:
    zero = make_guild("Zero", channels=("general",), id=snowflake_on_shard(0, 2))
    one = make_guild("One", channels=("general",), id=snowflake_on_shard(1, 2))
    async with FakeDiscord(guilds=[zero, one]) as fake:
        client = discord.AutoShardedClient(
            intents=discord.Intents(guilds=True, guild_messages=True),
            shard_count=2,
            shard_ids=[0, 1],
        )
        async with fake.run_client(client):
            assert {login.shard for login in fake.gateway.logins.items} == {(0, 2), (1, 2)}
            sessions = {session.shard: session for session in fake.gateway.sessions()}

            def guild_events(shard: tuple[int, int], event: str) -> list[str]:
                return [
                    str(data.get("guild_id") or data.get("id"))
                    for name, data in sessions[shard].dispatched
                    if name == event
                ]

            assert guild_events((0, 2), "GUILD_CREATE") == [str(zero.id)]
            assert guild_events((1, 2), "GUILD_CREATE") == [str(one.id)]
            for guild in (zero, one):
                channel = client.get_channel(guild.channels[0].id)
                assert isinstance(channel, discord.TextChannel)
                assert channel.guild.shard_id == shard_of(guild.id, 2)
                await channel.send("hello")
            assert guild_events((0, 2), "MESSAGE_CREATE") == [str(zero.id)]
            assert guild_events((1, 2), "MESSAGE_CREATE") == [str(one.id)]


async def test_a_join_and_a_rename_reach_the_client_as_discord_sends_them() -> None:
    zero = make_guild("Zero", channels=("general",), id=snowflake_on_shard(0, 2))
    one = make_guild("One", channels=("general",), id=snowflake_on_shard(1, 2))
    async with FakeDiscord(guilds=[zero]) as fake:
        client = discord.AutoShardedClient(
            intents=discord.Intents(guilds=True), shard_count=2, shard_ids=[0, 1]
        )
        async with fake.run_client(client):
            joined = asyncio.ensure_future(client.wait_for("guild_join", timeout=5))
            fake.add_guild(one)
            guild = await joined
            assert (guild.id, guild.name) == (one.id, "One")
            assert [c.name for c in guild.text_channels] == ["general"]

            updated = asyncio.ensure_future(client.wait_for("guild_update", timeout=5))
            renamed = fake.rename_guild(one, "Uno")
            before, after = await updated
            assert (before.name, after.name) == ("One", "Uno")
            sessions = {session.shard: session for session in fake.gateway.sessions()}
            events = {
                shard: [name for name, _ in session.dispatched if name.startswith("GUILD_")]
                for shard, session in sessions.items()
            }
            # Each went to the shard that carries the guild, not to shard 0.
            assert events == {(0, 2): ["GUILD_CREATE"], (1, 2): ["GUILD_CREATE", "GUILD_UPDATE"]}
            assert fake.state.guilds[one.id] is renamed
            assert [c.name for c in after.text_channels] == ["general"], "channels are kept"
