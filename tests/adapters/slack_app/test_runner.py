"""`run_slack`: clear refusals without tokens, and a full HTTP-mode run against the fake."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.__main__ import main
from bot.adapters.slack_app import run_slack
from bot.adapters.slack_app.app import silence_token_warning
from bot.adapters.slack_app.http_server import EVENTS_PATH
from bot.config import Settings
from bot.ops.heartbeat import heartbeat_path
from bot.storage.sqlite import SqliteStore
from tests.adapters.slack_app.bank import quiz_bank
from tests.adapters.slack_app.fake_slack import APP_TOKEN, TEAM, TOKEN, FakeSlack
from tests.adapters.slack_app.harness import ADMIN, CHANNEL, SECRET, signed_headers


def settings(tmp_path: Path, **secrets: str) -> Settings:
    """Settings from values only: neither the environment nor a .env file is read."""
    values: dict[str, Any] = {"db": tmp_path / "quiz.db", **secrets}
    return Settings.model_validate(values)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("secrets", "http", "names"),
    [
        ({}, False, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_APP_TOKEN": APP_TOKEN}, True, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, False, "starts with xoxb-"),
        ({"SLACK_BOT_TOKEN": TOKEN}, False, "SLACK_APP_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": TOKEN}, False, "starts with xapp-"),
        ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": APP_TOKEN}, True, "SLACK_SIGNING_SECRET"),
    ],
)
async def test_missing_settings_are_one_clear_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    secrets: dict[str, str],
    http: bool,
    names: str,
) -> None:
    code = await run_slack(
        settings(tmp_path, **secrets), quiz_bank(), http_port=1 if http else None
    )

    err = capsys.readouterr().err
    assert code == 2
    assert names in err
    assert "quizbot console" in err
    assert err.count("\n") == 1
    for value in secrets.values():
        assert value not in err
    assert not (tmp_path / "quiz.db").exists()


async def test_refused_token_is_reported_without_the_token(
    tmp_path: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "xoxb-wrong-token"
    client = AsyncWebClient(token=wrong, base_url=fake_slack.api_url)
    config = settings(tmp_path, SLACK_BOT_TOKEN=wrong, SLACK_SIGNING_SECRET=SECRET)

    code = await run_slack(config, quiz_bank(), http_port=free_port(), client=client)

    err = capsys.readouterr().err
    assert code == 2
    assert "invalid_auth" in err
    assert wrong not in err


async def test_unreachable_slack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client = AsyncWebClient(
        token=TOKEN, base_url=f"http://127.0.0.1:{free_port()}/api/", retry_handlers=[]
    )
    config = settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN=APP_TOKEN)

    assert await run_slack(config, quiz_bank(), client=client) == 1
    assert "cannot reach Slack" in capsys.readouterr().err


async def test_http_mode_serves_until_stopped(
    tmp_path: Path, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET)
    client = AsyncWebClient(token=TOKEN, base_url=fake_slack.api_url)
    stop, ready = asyncio.Event(), asyncio.Event()
    port = free_port()
    running = asyncio.create_task(
        run_slack(
            config,
            quiz_bank(),
            http_port=port,
            http_host="127.0.0.1",
            client=client,
            stop=stop,
            ready=ready,
        )
    )
    try:
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        assert ready.is_set(), "run_slack ended before serving"
        body = urlencode(
            {
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "user_id": ADMIN,
                "user_name": "admin",
                "command": "/quiz-admin",
                "text": f"setup <#{CHANNEL}|quiz> 09:00 Europe/Berlin",
                "response_url": fake_slack.response_url("run"),
                "trigger_id": "t",
            }
        )
        url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=body.encode(), headers=signed_headers(body)) as response,
        ):
            assert response.status == 200
    finally:
        stop.set()
        code = await running
    assert code == 0, "the acknowledged work finished before run_slack returned"

    [reply] = fake_slack.responses("run")
    assert "Saved" in reply["text"]
    store = await SqliteStore.open(tmp_path / "quiz.db")
    try:
        saved = await store.guild(TEAM)
    finally:
        await store.close()
    assert saved is not None
    assert saved.channel_id == CHANNEL
    assert TOKEN not in caplog.text
    assert SECRET not in caplog.text


async def test_socket_mode_is_the_default(
    tmp_path: Path, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    client = AsyncWebClient(token=TOKEN, base_url=fake_slack.api_url)
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(
        run_slack(config, quiz_bank(), client=client, stop=stop, ready=ready)
    )
    try:
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        assert ready.is_set(), "run_slack ended before connecting"
        await fake_slack.socket_connected.wait()
        ack = await fake_slack.socket_send(
            "slash_commands",
            {
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "user_id": ADMIN,
                "user_name": "admin",
                "command": "/quiz",
                "text": "entry",
                "response_url": fake_slack.response_url("socket"),
                "trigger_id": "t",
            },
        )
        assert ack["envelope_id"].startswith("env-")
    finally:
        stop.set()
        code = await running
    assert code == 0
    # Once to check the app token up front, once by the Socket Mode client to connect.
    assert fake_slack.calls_to("apps.connections.open") == [{}, {}]
    [post] = fake_slack.calls_to("chat.postMessage")
    assert post["channel"] == CHANNEL
    for secret in (TOKEN, APP_TOKEN):
        assert secret not in caplog.text


async def test_a_refused_app_token_is_one_line_and_exit_2(
    tmp_path: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    config = settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN="xapp-revoked")
    client = AsyncWebClient(token=TOKEN, base_url=fake_slack.api_url)
    code = await asyncio.wait_for(run_slack(config, quiz_bank(), client=client), timeout=30)
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("quizbot: Slack refused SLACK_APP_TOKEN (invalid_auth)")
    assert "xapp-revoked" not in err
    assert not heartbeat_path(tmp_path / "quiz.db").exists(), "never connected, never healthy"


async def test_a_port_in_use_is_one_line_and_exit_2(
    tmp_path: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    config = settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET)
    client = AsyncWebClient(token=TOKEN, base_url=fake_slack.api_url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = await run_slack(
            config, quiz_bank(), http_port=port, http_host="127.0.0.1", client=client
        )
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"quizbot: cannot serve HTTP on 127.0.0.1:{port}")
    assert "Traceback" not in err


async def test_the_heartbeat_starts_once_serving(tmp_path: Path, fake_slack: FakeSlack) -> None:
    config = settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    client = AsyncWebClient(token=TOKEN, base_url=fake_slack.api_url)
    beat = heartbeat_path(tmp_path / "quiz.db")
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(
        run_slack(config, quiz_bank(), client=client, stop=stop, ready=ready)
    )
    try:
        await asyncio.wait_for(ready.wait(), timeout=30)
        assert not beat.exists() or beat.stat().st_size >= 0
        for _ in range(500):
            if beat.exists():
                break
            await asyncio.sleep(0.01)
        assert beat.exists(), "written as soon as the connection is up"
    finally:
        stop.set()
        assert await running == 0


def test_bolt_does_not_warn_about_an_unused_token(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the client's token wins over it.
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    caplog.set_level(logging.WARNING)
    silence_token_warning()
    AsyncApp(client=AsyncWebClient(token=TOKEN), signing_secret=SECRET, name="quizbot")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def serve_once(config: Settings, client: AsyncWebClient, port: int, body: str) -> int:
    """Run the app in HTTP mode, send it one signed request, and stop it."""
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(
        run_slack(
            config,
            quiz_bank(),
            http_port=port,
            http_host="127.0.0.1",
            client=client,
            stop=stop,
            ready=ready,
        )
    )
    try:
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        assert ready.is_set(), "run_slack ended before serving"
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{port}{EVENTS_PATH}",
                data=body.encode(),
                headers=signed_headers(body),
            ) as response,
        ):
            assert response.status == 200
    finally:
        stop.set()
    return await running


async def test_the_workspace_is_named_from_auth_test_at_each_start(
    tmp_path: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    config = settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET)
    client = AsyncWebClient(token=TOKEN, base_url=fake_slack.api_url)
    fake_slack.team_name = "Acme\u202e Python\x1b[2J Guild"
    setup = urlencode(
        {
            "team_id": TEAM,
            # The URL's subdomain: not the name, and never stored as one.
            "team_domain": "acme-corp",
            "channel_id": CHANNEL,
            "user_id": ADMIN,
            "user_name": "admin",
            "command": "/quiz-admin",
            "text": f"setup <#{CHANNEL}|quiz> 09:00 Europe/Berlin",
            "response_url": fake_slack.response_url("setup"),
            "trigger_id": "t",
        }
    )
    assert await serve_once(config, client, free_port(), setup) == 0
    [reply] = fake_slack.responses("setup")
    assert "Saved" in reply["text"]
    db = str(tmp_path / "quiz.db")
    assert main(["guilds", "--db", db]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert row.split() == ["slack", TEAM, "Acme", "Python", "[2J", "Guild", "0", "0", CHANNEL]

    # Renamed in Slack: the next start stores the new name.
    fake_slack.team_name = "Acme Pythonistas"
    stats = urlencode(
        {
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": ADMIN,
            "user_name": "admin",
            "command": "/quiz-stats",
            "text": "",
            "response_url": fake_slack.response_url("stats"),
            "trigger_id": "t",
        }
    )
    assert await serve_once(config, client, free_port(), stats) == 0
    assert main(["guilds", "--db", db]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert row.split() == ["slack", TEAM, "Acme", "Pythonistas", "0", "0", CHANNEL]
