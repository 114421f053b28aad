"""JSON log lines, and the Discord token kept out of logs, output and reprs."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest
from aiohttp import web

from bot.adapters.discord_app.main import REJECTED_TOKEN, run_discord
from bot.config import Settings
from bot.logs import configure_logging
from tests.fakes import small_bank

# Shaped like a real token, so that any partial formatting of it would still be caught.
TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.s3cr3t-t0ken-n3ver-logg3d-0123456789ab"


class Collect(logging.Handler):
    """Keeps every record, to search its arguments as well as its text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """Settings from the environment, with DISCORD_TOKEN set and no .env file around."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("QUIZBOT_DB", str(tmp_path / "quizbot.db"))
    return Settings()


@pytest.fixture
def everything_logged() -> Iterator[Collect]:
    """JSON logging at DEBUG on stderr, discord.py's own debug output included."""
    configure_logging("DEBUG", "json")
    collect = Collect()
    logging.getLogger().addHandler(collect)
    noisy = [logging.getLogger(name) for name in ("discord", "aiohttp", "asyncio")]
    levels = [logger.level for logger in noisy]
    for logger in noisy:
        logger.setLevel(logging.DEBUG)
    yield collect
    for logger, level in zip(noisy, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
async def refusing_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[str]]:
    """A local Discord API that answers 401 to the login; yields the Authorization headers seen."""
    seen: list[str] = []

    async def me(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    try:
        yield seen
    finally:
        await runner.cleanup()


def closed_port() -> int:
    """A local port nobody listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def assert_token_absent(collect: Collect, *texts: str) -> None:
    """The token appears in no captured text, log message, argument or extra field."""
    for text in texts:
        assert TOKEN not in text
    for record in collect.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in repr(vars(record))


def test_json_logs_are_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", "json")
    log = logging.getLogger("bot.core.service")

    log.info("posted %s", "daily", extra={"guild_id": "g1", "post_id": 42})
    log.debug("two\nlines")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("reveal failed", extra={"post_id": 43})

    lines = capsys.readouterr().err.splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 3
    posted, two_lines, failed = entries
    assert {k: posted[k] for k in ("level", "logger", "message", "guild_id", "post_id")} == {
        "level": "INFO",
        "logger": "bot.core.service",
        "message": "posted daily",
        "guild_id": "g1",
        "post_id": 42,
    }
    assert posted["time"].endswith("+00:00")
    assert two_lines["message"] == "two\nlines"
    assert two_lines["level"] == "DEBUG"
    assert failed["post_id"] == 43
    assert "RuntimeError: boom" in failed["exception"]


def test_text_logs_carry_level_logger_and_message(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "text")
    logging.getLogger("bot.scheduling").warning("daily %s missed", "g1")
    logging.getLogger("bot.scheduling").debug("hidden at INFO")

    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("WARNING bot.scheduling: daily g1 missed")


def test_settings_never_show_the_token(settings: Settings) -> None:
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == TOKEN
    for text in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        repr(settings.model_dump()),
        f"{settings.discord_token}",
    ):
        assert TOKEN not in text


async def test_rejected_token_is_never_logged(
    settings: Settings,
    refusing_discord: list[str],
    everything_logged: Collect,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await run_discord(settings, small_bank(), sync=False, serve=True)

    out, err = capsys.readouterr()
    assert refusing_discord == [f"Bot {TOKEN}"], "the token did go to (fake) Discord"
    assert code == 2
    assert REJECTED_TOKEN in err
    assert everything_logged.records, "debug logging was on"
    assert_token_absent(everything_logged, out, err)


async def test_unreachable_discord_is_a_clear_error_without_the_token(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    everything_logged: Collect,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")

    code = await run_discord(settings, small_bank(), sync=False, serve=True)

    out, err = capsys.readouterr()
    assert code == 1
    assert "quizbot: cannot reach Discord: Cannot connect to host 127.0.0.1" in err
    assert_token_absent(everything_logged, out, err)
