"""A fake Discord (REST + gateway on 127.0.0.1) for driving the real discord.py client in tests.

Example::

    async with FakeDiscord(guilds=[make_guild("G", channels=("quiz",))]) as fake:
        async with fake.run_client(MyClient()) as client:  # logs in, waits for ready
            await fake.wait_for_command_sync()
            alice = fake.make_user("alice", "Alice")
            channel = fake.channel("quiz")
            interaction = await fake.slash_command(None, channel.id, alice, "quiz", {"topic": "py"})
            response = await interaction.response()  # the callback; .content, .ephemeral ...
            click = await fake.click(channel.id, response.message.id, "quiz:a", alice)
            edited = await fake.wait_for_message(channel.id, lambda m: m.edited_timestamp)
"""

from . import _compat  # noqa: F401  (must run before anything imports discord)

# isort: split
from .driver import PreparedInteraction
from .gateway import GatewayConnection, GatewayLogin, shard_of
from .interactions import FakeInteraction, InteractionEvent, OptionValue
from .models import (
    ADMINISTRATOR,
    ATTACH_FILES,
    CREATE_PUBLIC_THREADS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MANAGE_ROLES,
    SEND_MESSAGES,
    CommandSync,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    MessageEvent,
    RecordedRequest,
    StoredMessage,
    make_guild,
    make_user,
    snowflake_on_shard,
)
from .server import FakeDiscord
from .waiting import DEFAULT_TIMEOUT, ClientError, WaitTimeout

__all__ = [
    "ADMINISTRATOR",
    "ATTACH_FILES",
    "CREATE_PUBLIC_THREADS",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "DEFAULT_TIMEOUT",
    "FLAG_EPHEMERAL",
    "FLAG_LOADING",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MANAGE_ROLES",
    "SEND_MESSAGES",
    "ClientError",
    "CommandSync",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "GatewayConnection",
    "GatewayLogin",
    "InteractionEvent",
    "MessageEvent",
    "OptionValue",
    "PreparedInteraction",
    "RecordedRequest",
    "StoredMessage",
    "WaitTimeout",
    "make_guild",
    "make_user",
    "shard_of",
    "snowflake_on_shard",
]
