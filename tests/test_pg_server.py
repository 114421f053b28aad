"""The throwaway PostgreSQL server of the tests: a server that cannot start fails loudly."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.pg_server import PgServer, PgServerError


def test_a_server_that_cannot_start_raises_with_its_log_and_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(**kwargs: Any) -> str:
        folder: str = real_mkdtemp(**kwargs)
        made.append(Path(folder))
        return folder

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    with pytest.raises(PgServerError) as failed:
        PgServer.start(settings={"shared_buffers": "not-a-size"})
    message = str(failed.value)
    assert "pg_ctl" in message
    assert "server log:" in message
    assert "shared_buffers" in message
    assert len(made) == 1
    assert not made[0].exists()
