"""The `quizbot` command line as a shell user meets it: version, settings errors, pipes."""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

import pytest

from bot.__main__ import main


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
