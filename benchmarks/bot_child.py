"""The bots of the click benchmarks, each in a process of its own: `python -m
benchmarks.bot_child MODE`, with the fake platform's URLs in the environment.

Modes: `discord` is `quizbot run --sync` (only discord.py's two URLs patched), `slack` is
`quizbot slack --port` (the Web API client pointed at the fake), and `discord-trivial` /
`slack-trivial` are the baselines: a discord.py client whose one persistent button answers
an ephemeral message at once, and a bolt app that only acks.

The process's CPU time (every thread: aiosqlite's included) is reported on request: each
line read on stdin is answered by `time.process_time()` on stdout, so the parent measures
the bot alone, without the fake platform and the clicking that run in the parent.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import signal
import sys
import threading
import time
import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop
    import discord
    import discord.gateway
    import discord.http
import yarl

TRIVIAL_BUTTONS = 4


def trivial_custom_id(index: int) -> str:
    """The custom id of the trivial bot's buttons."""
    return f"trivial:{index}"


def _report_cpu(report: Any) -> None:
    for _ in sys.stdin:
        report.write(f"{time.process_time():.6f}\n")
        report.flush()


class TrivialView(discord.ui.View):
    """Four persistent buttons, each answering an ephemeral message at once."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        for index in range(TRIVIAL_BUTTONS):
            button: discord.ui.Button[TrivialView] = discord.ui.Button(
                label=str(index), custom_id=trivial_custom_id(index)
            )
            button.callback = self.answer  # type: ignore[method-assign]
            self.add_item(button)

    async def answer(self, interaction: discord.Interaction) -> None:
        """The whole bot."""
        await interaction.response.send_message("Got it.", ephemeral=True)


class TrivialClient(discord.Client):
    """The baseline discord.py bot."""

    def __init__(self) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(intents=discord.Intents(guilds=True))

    async def setup_hook(self) -> None:
        """Register the persistent view."""
        self.add_view(TrivialView())


async def _trivial_discord() -> None:
    client = TrivialClient()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: asyncio.ensure_future(client.close()))
    async with client:
        await client.start("fake-token")


def _trivial_slack(port: int) -> None:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["FAKE_SLACK_API"]
    )
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.action(re.compile(r"^quiz:choice:"))
    async def choice(ack: Any) -> None:
        await ack()

    app.start(port=port, host="127.0.0.1")


def main(argv: list[str]) -> int:
    """Run the bot named by argv[0] until SIGTERM."""
    mode, rest = argv[0], argv[1:]
    # stdout carries the reports alone: whatever the bot prints goes to stderr, its log.
    report = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    threading.Thread(target=_report_cpu, args=(report,), name="cpu-report", daemon=True).start()
    if mode.startswith("discord"):
        discord.http.Route.BASE = os.environ["FAKE_DISCORD_API"]
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
            os.environ["FAKE_DISCORD_GATEWAY"]
        )
    if mode == "discord-trivial":
        asyncio.run(_trivial_discord())
        return 0
    if mode == "slack-trivial":
        _trivial_slack(int(rest[0]))
        return 0
    from bot.__main__ import main as quizbot

    if mode == "discord":
        return quizbot(["run", "--sync"])
    if mode == "slack":
        from slack_sdk.web.async_client import AsyncWebClient

        from bot.adapters.slack_app import runner

        # Everything else as in production, the shared session and retry handlers included.
        patched: Any = runner
        patched.AsyncWebClient = functools.partial(
            AsyncWebClient, base_url=os.environ["FAKE_SLACK_API"]
        )
        return quizbot(["slack", "--port", rest[0]])
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
