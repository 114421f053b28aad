"""Fixtures: a fake Slack and the served app on a real SQLite file, with a settable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.adapters.slack_app.bank import Clock
from tests.adapters.slack_app.fake_slack import FakeSlack
from tests.adapters.slack_app.harness import ADMIN, SlackHarness


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Web API on 127.0.0.1 with one workspace admin."""
    fake = FakeSlack()
    fake.admins.add(ADMIN)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def slack_clock() -> Clock:
    """Tuesday 2026-11-24 08:00 UTC."""
    return Clock(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))


@pytest.fixture
async def slack(
    fake_slack: FakeSlack, tmp_path: Path, slack_clock: Clock
) -> AsyncIterator[SlackHarness]:
    """The whole Slack side, opened on tmp_path/quiz.db and closed after the test."""
    harness = SlackHarness(fake_slack, tmp_path / "quiz.db", slack_clock)
    await harness.open()
    yield harness
    await harness.close()
