"""Shared fixtures: a controllable clock, a real store (SQLite and PostgreSQL) and the service."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.admin import GuildAdmin
from bot.core.model import Member, PostView
from bot.core.questions import Difficulty
from bot.core.service import QuizService
from bot.storage.factory import ClosableStore
from tests.databases import BACKENDS, Database, PgCluster, PostgresDatabase, SqliteDatabase
from tests.fakes import FakeClock, RecordingPublisher, small_bank
from tests.pg_server import running

GUILD = "g1"
CHANNEL = "c1"


@pytest.fixture
def clock() -> FakeClock:
    """Tuesday 2026-11-24 08:00 UTC."""
    return FakeClock(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))


@pytest.fixture
def publisher() -> RecordingPublisher:
    """A publisher that records posts and reveals."""
    return RecordingPublisher()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file in the test's own folder."""
    return tmp_path / "quiz.db"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """QUIZBOT_TEST_PG_URL's server, else a throwaway one for the session; never skipped."""
    given = os.environ.get("QUIZBOT_TEST_PG_URL")
    if given:
        cluster = PgCluster(given)
        cluster.prepare_template()
        yield cluster
        cluster.drop_all()
        return
    with running() as server:
        cluster = PgCluster(server.url())
        cluster.prepare_template()
        yield cluster


@pytest.fixture
async def pg_database(pg_cluster: PgCluster) -> AsyncIterator[PostgresDatabase]:
    """A fresh, migrated PostgreSQL database, dropped after the test."""
    url = await pg_cluster.create()
    yield PostgresDatabase(url)
    await pg_cluster.drop(url)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, db_path: Path) -> Database:
    """The test's database: runs once on a SQLite file and once on PostgreSQL."""
    if request.param == "postgres":
        found: Database = request.getfixturevalue("pg_database")
        return found
    return SqliteDatabase(db_path)


@pytest.fixture
async def store(database: Database) -> AsyncIterator[ClosableStore]:
    """A real store on the test's database, closed after the test."""
    opened = await database.open()
    yield opened
    await opened.close()


@pytest.fixture
def service(store: ClosableStore, clock: FakeClock, publisher: RecordingPublisher) -> QuizService:
    """The service on the small bank, seeded randomness and the fake clock."""
    return QuizService(
        bank=small_bank(),
        store=store,
        clock=clock,
        rng=random.Random(7),
        platform="test",
        publisher=publisher,
    )


@pytest.fixture
def admin(service: QuizService) -> GuildAdmin:
    """Admin use cases on the same service."""
    return GuildAdmin(service)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`quizbot` commands install log handlers on captured streams; undo that after each test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def shown_draw(
    service: QuizService,
    guild_id: str,
    channel_id: str,
    member: Member,
    *,
    difficulty: Difficulty | None = None,
    topic: str | None = None,
    private: bool = False,
) -> PostView:
    """A draw as an adapter shows it: drawn, answered to the member, its message recorded."""
    view = await service.draw(
        guild_id, channel_id, member, difficulty=difficulty, topic=topic, private=private
    )
    if view.post.is_delivered:
        return view
    await service.attach_message(view.post.post_id, f"msg-{view.post.post_id}")
    return await service.view(view.post.post_id)


async def posted_daily(service: QuizService, guild_id: str) -> PostView | None:
    """`postnow`: today's daily posted whatever the time, then delivered as the worker would."""
    view = await service.post_daily(guild_id)
    await service.deliveries.run_due()
    return None if view is None else await service.view(view.post.post_id)


async def delivered_daily(service: QuizService, guild_id: str) -> PostView | None:
    """What the ticker does for a due guild (today's daily, if due and not out yet), then
    its delivery, as the worker would do at once. None when nothing was posted."""
    post = await service.post_scheduled(guild_id)
    await service.deliveries.run_due()
    return None if post is None else await service.view(post.post_id)
