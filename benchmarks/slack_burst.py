"""A burst of 500 answer clicks on one Slack post in HTTP mode, against a trivial bolt app.

quizbot runs as `quizbot slack --port` (in a process of its own: the real bolt AsyncApp
behind its aiohttp server on 127.0.0.1), its Web API client pointed at the fake Slack Web
API of the tests, which runs here in the parent. One member draws a question with /quiz;
then 500 other members click its choices: signed block_actions requests, sent 50 every
100 ms and all in flight together. Slack wants the HTTP 200 (the ack) within 3 s.

Counted per burst: the clicks acknowledged within 3 s, the latency from sending a click
to its ack (p50, p99), the time from the first click until every member's confirmation
(chat.postEphemeral, sent once the answer is committed) has reached Slack, and the app's
CPU per click (as in the Discord burst: the app's process only). The baseline is a bolt
app whose one action listener only acks, served by bolt's own aiohttp server. The runs
alternate between the two apps; each figure is the median of the runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any
from urllib.parse import urlencode

import aiohttp

from benchmarks.clicks import Child
from benchmarks.common import Latency
from tests.adapters.slack_app.fake_slack import TEAM, TOKEN, FakeSlack

BURST = 500
SLICES = 10
BURST_S = 1.0
ACK_WINDOW_S = 3.0
RUNS = 3
SECRET = "bench-signing-secret"
CHANNEL = "C0BENCH"
CONFIRM_WAIT_S = 60.0
TRIVIAL_ACTION = "quiz:choice:1:0"


@dataclass(frozen=True)
class SlackRun:
    """One burst on one app."""

    acked: int
    latency: Latency
    confirmed_s: float
    confirmed: int
    committed: int
    cpu_s: float

    @property
    def cpu_ms_per_click(self) -> float:
        """The app's CPU time per click."""
        return self.cpu_s / BURST * 1e3


@dataclass(frozen=True)
class SlackResult:
    """Every run of both apps."""

    quizbot: list[SlackRun]
    trivial: list[SlackRun]


def median(runs: list[SlackRun], figure: Callable[[SlackRun], float]) -> float:
    """The median of one figure over the runs."""
    return statistics.median(figure(run) for run in runs)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _signed(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    base = f"v0:{timestamp}:{body}".encode()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest(),
    }


def _click(user: str, action_id: str, ts: str, index: int) -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "bench"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0BENCH",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{index}",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": CHANNEL,
            "is_ephemeral": False,
        },
        "channel": {"id": CHANNEL, "name": "quiz"},
        "message": {"ts": ts, "type": "message"},
        "response_url": f"https://hooks.slack.invalid/actions/{index}",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "quiz",
                "value": "v",
                "action_ts": "1790000001.000000",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


async def _wait_listening(port: int, child: Child) -> None:
    deadline = monotonic() + 60
    while monotonic() < deadline:
        if child.process.returncode is not None:
            raise RuntimeError(f"the app exited: {child.log.read_text()[-2000:]}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise TimeoutError("the app did not listen within 60 s")


async def _draw(http: aiohttp.ClientSession, url: str, fake: FakeSlack) -> tuple[str, list[str]]:
    """/quiz by a member; returns the post's ts and its choice buttons' action ids."""
    form = {
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "user_id": "U0DRAWER",
        "user_name": "drawer",
        "command": "/quiz",
        "text": "",
        "response_url": fake.response_url("draw"),
        "trigger_id": "trigger-draw",
    }
    body = urlencode(form)
    async with http.post(url, data=body.encode(), headers=_signed(body)) as response:
        assert response.status == 200, f"/quiz answered {response.status}"
    deadline = monotonic() + 30
    while not fake.calls_to("chat.postMessage"):
        if monotonic() > deadline:
            raise TimeoutError(f"the draw was not posted: {fake.calls}")
        await asyncio.sleep(0.05)
    [(ts, message)] = [(ts, m) for (ch, ts), m in fake.messages.items() if ch == CHANNEL]
    action_ids = [
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("quiz:choice:")
    ]
    assert action_ids, "the drawn question has no choice buttons"
    return ts, action_ids


async def _burst(
    http: aiohttp.ClientSession, url: str, bodies: list[str]
) -> tuple[list[tuple[float, float | None]], float]:
    """Send every click, a slice at a time; returns (sent, acked) per click and the start."""
    timings: list[tuple[float, float | None]] = []

    async def one(body: str) -> None:
        sent = monotonic()
        try:
            async with http.post(url, data=body.encode(), headers=_signed(body)) as response:
                await response.read()
                acked = monotonic() if response.status == 200 else None
        except aiohttp.ClientError:
            acked = None
        timings.append((sent, acked))

    start = monotonic()
    tasks: list[asyncio.Task[None]] = []
    per_slice = len(bodies) // SLICES
    for index in range(SLICES):
        for body in bodies[index * per_slice : (index + 1) * per_slice]:
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.sleep(max(0.0, start + (index + 1) * BURST_S / SLICES - monotonic()))
    await asyncio.gather(*tasks)
    return timings, start


async def _confirmed(fake: FakeSlack, start: float, wanted: int) -> tuple[int, float]:
    """Wait until `wanted` confirmations reached the fake; their count and the time taken."""
    deadline = start + CONFIRM_WAIT_S
    while monotonic() < deadline:
        count = len(fake.calls_to("chat.postEphemeral"))
        if count >= wanted:
            return count, monotonic() - start
        await asyncio.sleep(0.01)
    return len(fake.calls_to("chat.postEphemeral")), float("nan")


def _committed(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM answers").fetchone()
    conn.close()
    return int(count)


async def _run_once(folder: Path, trivial: bool) -> SlackRun:
    await asyncio.to_thread(folder.mkdir, parents=True)
    fake = FakeSlack()
    await fake.start()
    port = _free_port()
    env = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "FAKE_SLACK_API": fake.api_url,
        "QUIZBOT_DB": str(folder / "quiz.db"),
        "QUIZBOT_LOG_LEVEL": "INFO",
    }
    url = f"http://127.0.0.1:{port}/slack/events"
    child = await Child.spawn("slack-trivial" if trivial else "slack", folder, env, str(port))
    # As Slack does: many connections at once, none waiting for another's turn.
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    try:
        await _wait_listening(port, child)
        if trivial:
            ts, action_ids = "1790000000.000001", [TRIVIAL_ACTION]
        else:
            ts, action_ids = await _draw(http, url, fake)
            await asyncio.sleep(1.0)  # the draw recorded and its reveal scheduled
        bodies = [
            _click(f"U0M{index:05d}", action_ids[index % len(action_ids)], ts, index)
            for index in range(BURST)
        ]
        before = len(fake.calls_to("chat.postEphemeral"))
        cpu_before = await child.cpu()
        timings, start = await _burst(http, url, bodies)
        confirmed, confirmed_s = (0, float("nan"))
        if not trivial:
            confirmed, confirmed_s = await _confirmed(fake, start, before + BURST)
            confirmed -= before
        await asyncio.sleep(0.5)
        cpu_s = await child.cpu() - cpu_before
    finally:
        await http.close()
        await child.stop()
        await fake.close()
    acks = [acked - sent for sent, acked in timings if acked is not None]
    return SlackRun(
        acked=sum(1 for latency in acks if latency <= ACK_WINDOW_S),
        latency=Latency.of(acks),
        confirmed_s=confirmed_s,
        confirmed=confirmed,
        committed=0 if trivial else _committed(folder / "quiz.db"),
        cpu_s=cpu_s,
    )


def describe(run: SlackRun) -> str:
    """One line per run for the progress output."""
    return (
        f"acked {run.acked:,} in 3 s, p50 {run.latency.p50_ms:.0f} ms, "
        f"p99 {run.latency.p99_ms:.0f} ms, {run.confirmed:,} confirmed after "
        f"{run.confirmed_s:.2f} s, committed {run.committed:,}, "
        f"{run.cpu_ms_per_click:.2f} ms CPU/click"
    )


async def run(folder: Path, say: Callable[[str], None]) -> SlackResult:
    """RUNS bursts on each app, alternating, each with a fresh fake Slack and process."""
    quizbot: list[SlackRun] = []
    trivial: list[SlackRun] = []
    for index in range(RUNS):
        for is_trivial, runs in ((True, trivial), (False, quizbot)):
            name = "trivial" if is_trivial else "quizbot"
            got = await _run_once(folder / f"slack-{name}-{index}", is_trivial)
            say(f"  {name} burst {index + 1}/{RUNS}: {describe(got)}")
            runs.append(got)
    return SlackResult(quizbot, trivial)
