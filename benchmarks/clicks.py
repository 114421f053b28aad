"""A burst of 2,000 answer clicks on one Discord post, against a trivial discord.py bot.

The real discord.py client runs quizbot (`quizbot run --sync`, in a process of its own)
against the local fake Discord of the tests, which runs here in the parent. One member
draws a question with /quiz; then 2,000 other members click its choices, dispatched as
INTERACTION_CREATE over the gateway in 20 slices of 100 within one second. The fake
enforces Discord's rule that the first response must come within 3 s of the interaction;
a later one is refused as Unknown interaction.

Counted per burst: the clicks whose first response (an answer, or a deferral that a
followup fills later) came within the 3 s, those deferred, and those that failed; the
latency from dispatch to first response; and the bot's CPU per click, the CPU time of the
bot's process (all its threads: aiosqlite's too) across the burst, divided by the clicks.
The fake and the clicking run in this process and are not counted. The baseline is a
trivial discord.py bot, whose one view of persistent buttons answers an ephemeral message
at once, clicked the same way on a message of the same shape. The runs alternate between
the two bots, and each figure is the median of the runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import monotonic

from benchmarks.bot_child import TRIVIAL_BUTTONS, trivial_custom_id
from benchmarks.common import ROOT, Latency
from tests.fake_discord import FakeChannel, FakeDiscord, FakeInteraction, StoredMessage, make_guild

BURST = 2_000
SLICES = 20
BURST_S = 1.0
WINDOW_S = 3.0
RUNS = 3
# After the window: how long deferred clicks may take to get their followup.
FOLLOWUP_WAIT_S = 30.0


@dataclass(frozen=True)
class BurstRun:
    """One burst on one bot."""

    acked: int
    deferred: int
    followed_up: int
    failed: int
    latency: Latency
    cpu_s: float
    committed: int
    tracebacks: int
    log_lines: int

    @property
    def cpu_ms_per_click(self) -> float:
        """The bot's CPU time per click."""
        return self.cpu_s / BURST * 1e3


@dataclass(frozen=True)
class ClickResult:
    """Every run of both bots."""

    quizbot: list[BurstRun]
    trivial: list[BurstRun]


def median(runs: list[BurstRun], figure: str) -> float:
    """The median of one figure over the runs."""
    values: list[float] = []
    for run in runs:
        value = getattr(run, figure)
        values.append(value.p99_ms if isinstance(value, Latency) else float(value))
    return statistics.median(values)


class Child:
    """A bot process; `cpu()` asks it for its CPU time so far."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    @classmethod
    async def spawn(cls, mode: str, folder: Path, env: dict[str, str], *args: str) -> Child:
        """Start `python -m benchmarks.bot_child MODE ARGS` in `folder`, logging to a file."""
        log = folder / f"{mode}.log"
        with log.open("wb") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.bot_child",
                mode,
                *args,
                cwd=folder,
                env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
            )
        return cls(process, log)

    async def cpu(self) -> float:
        """The child's CPU time (user + system, all threads) in seconds."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(b"cpu\n")
        await self.process.stdin.drain()
        return float(await asyncio.wait_for(self.process.stdout.readline(), timeout=30))

    async def stop(self) -> str:
        """SIGTERM, wait for a clean exit; returns the child's log."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.log.read_text(encoding="utf-8", errors="replace")


async def _quizbot_post(fake: FakeDiscord, channel: FakeChannel) -> StoredMessage:
    """A member draws a question: the post the burst clicks on."""
    await fake.wait_for_command_sync(timeout=60)
    drawer = fake.make_user("drawer", "Drawer")
    drawn = await (await fake.slash_command(fake.guild.id, channel.id, drawer, "quiz")).response()
    assert drawn.message is not None, "the draw was not posted"
    return drawn.message


def _trivial_post(fake: FakeDiscord, channel: FakeChannel) -> StoredMessage:
    """A message of the same shape as a quiz post (an embed, a row of buttons)."""
    buttons = [
        {"type": 2, "style": 2, "label": "ABCD"[i], "custom_id": trivial_custom_id(i)}
        for i in range(TRIVIAL_BUTTONS)
    ]
    embed = {
        "title": "Quiz · mid · python",
        "description": "Which of these is evaluated once, when the function is defined? " * 4,
        "fields": [{"name": "ABCD"[i], "value": f"Choice {i}", "inline": False} for i in range(4)],
    }
    return fake.state.create_message(
        channel.id,
        fake.bot_user,
        {"embeds": [embed], "components": [{"type": 1, "components": buttons}]},
        via="channel",
    )


async def _settle(fake: FakeDiscord, clicks: list[FakeInteraction]) -> None:
    """Wait until every click has its first response or is past the window, every deferred
    one has its followup (or gave up), and the bot has sent nothing more for a moment."""
    deadline = monotonic() + WINDOW_S + FOLLOWUP_WAIT_S
    while monotonic() < deadline:
        now = monotonic()
        waiting = [
            c
            for c in clicks
            if (c.responded_at is None and now - c.sent_at <= WINDOW_S + 0.5)
            or (c.response_type in (5, 6) and not c.events.items[1:])
        ]
        if not waiting:
            break
        await asyncio.sleep(0.05)
    seen = -1
    while seen != len(fake.requests):
        seen = len(fake.requests)
        await asyncio.sleep(0.5)


async def _burst(
    fake: FakeDiscord, child: Child, channel: FakeChannel, message: StoredMessage
) -> tuple[list[FakeInteraction], float]:
    custom_ids = message.custom_ids()
    # Built first, so that the burst itself only dispatches them.
    prepared = [
        fake.prepare_click(
            channel.id,
            message.id,
            custom_ids[index % len(custom_ids)],
            fake.make_user(f"member{index}", f"Member {index}"),
        )
        for index in range(BURST)
    ]
    fake.state.interaction_window_s = WINDOW_S
    cpu_before = await child.cpu()
    clicks: list[FakeInteraction] = []
    start = monotonic()
    per_slice = BURST // SLICES
    for index in range(SLICES):
        clicks += [click.send() for click in prepared[index * per_slice : (index + 1) * per_slice]]
        # The gateway writer sends the slice while this waits for the next one's moment.
        await asyncio.sleep(max(0.0, start + (index + 1) * BURST_S / SLICES - monotonic()))
    await _settle(fake, clicks)
    return clicks, await child.cpu() - cpu_before


def _committed(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM answers").fetchone()
    conn.close()
    return int(count)


async def _run_once(folder: Path, trivial: bool) -> BurstRun:
    await asyncio.to_thread(folder.mkdir, parents=True)
    async with FakeDiscord(guilds=[make_guild("Bench", channels=("quiz",))]) as fake:
        env = {
            "DISCORD_TOKEN": "fake-token",
            "FAKE_DISCORD_API": fake.api_url,
            "FAKE_DISCORD_GATEWAY": fake.gateway_url,
            "QUIZBOT_DB": str(folder / "quiz.db"),
            "QUIZBOT_LOG_LEVEL": "INFO",
        }
        child = await Child.spawn("discord-trivial" if trivial else "discord", folder, env)
        try:
            await fake.wait_until_connected(timeout=60)
            channel = fake.channel("quiz")
            message = (
                _trivial_post(fake, channel) if trivial else await _quizbot_post(fake, channel)
            )
            await asyncio.sleep(1.0)  # the draw recorded, the guild cached, the catch-up done
            clicks, cpu_s = await _burst(fake, child, channel, message)
        finally:
            log = await child.stop()
    first = [
        c.responded_at - c.sent_at
        for c in clicks
        if c.responded_at is not None and c.responded_at - c.sent_at <= WINDOW_S
    ]
    deferred = [c for c in clicks if c.response_type in (5, 6)]
    return BurstRun(
        acked=len(first),
        deferred=len(deferred),
        followed_up=sum(1 for c in deferred if c.events.items[1:]),
        failed=BURST - len(first),
        latency=Latency.of(first),
        cpu_s=cpu_s,
        committed=BURST if trivial else _committed(folder / "quiz.db"),
        tracebacks=log.count("Traceback"),
        log_lines=len(log.splitlines()),
    )


def describe(run: BurstRun) -> str:
    """One line per run for the progress output."""
    return (
        f"acked {run.acked:,} in 3 s ({run.deferred:,} deferred, {run.followed_up:,} followed "
        f"up), failed {run.failed:,}, p99 {run.latency.p99_ms:.0f} ms, "
        f"{run.cpu_ms_per_click:.2f} ms CPU/click, committed {run.committed:,}, "
        f"{run.log_lines:,} log lines, {run.tracebacks} tracebacks"
    )


async def run(folder: Path, say: Callable[[str], None]) -> ClickResult:
    """RUNS bursts on each bot, alternating, each in a fresh fake Discord and process."""
    quizbot: list[BurstRun] = []
    trivial: list[BurstRun] = []
    for index in range(RUNS):
        for is_trivial, runs in ((True, trivial), (False, quizbot)):
            name = "trivial" if is_trivial else "quizbot"
            got = await _run_once(folder / f"clicks-{name}-{index}", is_trivial)
            say(f"  {name} burst {index + 1}/{RUNS}: {describe(got)}")
            runs.append(got)
    return ClickResult(quizbot, trivial)
