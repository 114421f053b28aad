"""The `quizbot` command line as a shell user meets it: version, settings errors, pipes."""

from __future__ import annotations

import os
import random
import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.admin import GuildAdmin
from bot.core.service import QuizService
from bot.storage.sqlite import SqliteStore
from tests.fakes import FakeClock, small_bank


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"quizbot {metadata.version('quizbot')}"


def test_a_bad_setting_names_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZBOT_LOG_LEVEL", "LOUD")
    assert main(["export", "--guild", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("quizbot: QUIZBOT_LOG_LEVEL: ")
    assert "Traceback" not in err


def test_a_bad_setting_does_not_block_the_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZBOT_LOG_LEVEL", "LOUD")
    assert main(["schema"]) == 0
    assert '"$schema"' in capsys.readouterr().out


def test_schema_into_a_closed_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    # As after `quizbot schema | head -1`: the reading end is gone before quizbot writes.
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w", buffering=1) as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        assert main(["schema"]) == 1
        closed_pipe.write("later writes go nowhere and raise nothing\n")


def _not_sqlite(path: Path) -> None:
    path.write_text("plain text, not a database\n" * 10)


def _future(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(
            "CREATE TABLE guilds (x); CREATE TABLE posts (x); CREATE TABLE answers (x);"
            "PRAGMA user_version = 9999;"
        )


@pytest.mark.parametrize(
    ("db", "make", "says"),
    [
        ("", None, "the database path is empty"),
        (".", None, "the database path is empty"),
        ("{tmp}", None, "is a folder, not a database file"),
        ("{tmp}/missing/quizbot.db", None, "/missing"),
        ("{tmp}/notes.db", _not_sqlite, "is not a SQLite database"),
        ("{tmp}/future.db", _future, "has schema version 9999, newer than this quizbot knows"),
    ],
    ids=["empty", "dot", "folder", "no-parent", "not-sqlite", "newer"],
)
@pytest.mark.parametrize("command", [["console"], ["export", "--guild", "1"], ["guilds"]])
def test_an_unusable_database_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    db: str,
    make: Callable[[Path], None] | None,
    says: str,
    command: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    path = db.format(tmp=tmp_path)
    if make is not None:
        make(Path(path))
    monkeypatch.setenv("QUIZBOT_DB", path)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("quizbot: ")
    assert says in err
    assert not (tmp_path / "missing").exists(), "no folder is created silently"


async def _database_with_one_guild(path: Path) -> None:
    store = await SqliteStore.open(path)
    try:
        service = QuizService(
            bank=small_bank(),
            store=store,
            clock=FakeClock(datetime(2026, 11, 27, 12, tzinfo=UTC)),
            rng=random.Random(1),
            platform="discord",
        )
        await GuildAdmin(service).setup("g1", "c1", "09:00", "UTC")
    finally:
        await store.close()


async def test_guilds_lists_what_the_database_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "q.db"
    await _database_with_one_guild(db)
    assert main(["guilds", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["platform", "id", "name", "members", "posts", "daily", "channel"]
    assert lines[1].split() == ["discord", "g1", "-", "0", "0", "c1"], "no name learnt yet"


async def test_export_of_an_unknown_guild_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "q.db"
    await _database_with_one_guild(db)
    assert main(["export", "--guild", "nope", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "has no server or workspace 'nope'" in err
    assert "quizbot guilds" in err


@pytest.mark.parametrize(
    ("makelevel", "command"), [(None, "quizbot console"), ("1", "make console")]
)
def test_a_missing_token_says_how_to_try_the_console(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    makelevel: str | None,
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    if makelevel is None:
        monkeypatch.delenv("MAKELEVEL", raising=False)
    else:
        monkeypatch.setenv("MAKELEVEL", makelevel)
    assert main(["run", "--db", str(tmp_path / "q.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("quizbot: DISCORD_TOKEN is not set.")
    assert err.rstrip().endswith(f"To try the quiz without Discord, run: {command}")


def test_a_bad_unrelated_setting_does_not_block_validate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZBOT_LOG_LEVEL", "LOUD")
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("quizbot: QUIZBOT_LOG_LEVEL: ")
    assert "questions in" in captured.out
