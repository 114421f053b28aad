"""`quizbot run` and `quizbot sync`: wire the store, engine, scheduler and client, then serve."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import sys
from datetime import UTC

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.adapters.discord_app.client import QuizClient, ShardedQuizClient
from bot.adapters.discord_app.community_parts import CommunityParts
from bot.adapters.discord_app.community_publisher import DiscordCommunityPublisher
from bot.adapters.discord_app.context import QuizContext
from bot.adapters.discord_app.notifier import DiscordNotifier
from bot.adapters.discord_app.publisher import DiscordPublisher
from bot.community_scheduling import CommunityTicker
from bot.config import Settings
from bot.core.admin import GuildAdmin
from bot.core.audit import AuditedAdmin
from bot.core.bank import QuestionBank
from bot.core.community import Community
from bot.core.moderation import Moderation
from bot.core.ports import Clock, Store, SystemClock
from bot.core.reloading import Reload
from bot.core.reviewing import Reviews
from bot.core.service import QuizService
from bot.ops.heartbeat import heartbeat, heartbeat_anchor
from bot.scheduling import QuizScheduler
from bot.sharding import ShardPlan
from bot.storage.factory import open_store

log = logging.getLogger(__name__)

PLATFORM = "discord"
STOP_GRACE_S = 15.0

MISSING_TOKEN = """\
quizbot: DISCORD_TOKEN is not set.
  Create an application at https://discord.com/developers/applications, add a bot,
  copy its token and put DISCORD_TOKEN=... in the environment or in a .env file.
  To try the quiz without Discord, run: {console}"""


def missing_token_message() -> str:
    """What to do without a token, naming the console command the user can type right now."""
    # `make run` sets MAKELEVEL for the commands it runs; there, `make console` is the way.
    console = "make console" if os.environ.get("MAKELEVEL") else "quizbot console"
    return MISSING_TOKEN.format(console=console)


REJECTED_TOKEN = """\
quizbot: Discord rejected DISCORD_TOKEN (401 Unauthorized).
  Reset the token in the Developer Portal (Bot > Reset Token) and update DISCORD_TOKEN.
  To try the quiz without Discord, run: quizbot console"""


def build_client(
    store: Store,
    bank: QuestionBank,
    *,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    sync: bool = False,
    serve: bool = True,
    dev_guild_id: int | None = None,
    scheduler: AsyncIOScheduler | None = None,
    shards: ShardPlan | None = None,
    reload: Reload | None = None,
) -> QuizClient:
    """A client wired to the engine; the one recipe for production and tests.

    With `shards`, the client runs those shards and schedules only their guilds, and the
    process takes over overdue reveals of any guild (leased, so one process does each).
    `reload` re-reads the packs behind `bank` (`/quizadmin reload`, for the bot's owner).
    """
    if shards is None:
        client = QuizClient(sync=sync, serve=serve, dev_guild_id=dev_guild_id)
    else:
        client = ShardedQuizClient(
            sync=sync,
            serve=serve,
            dev_guild_id=dev_guild_id,
            shard_count=shards.count,
            shard_ids=list(shards.ids),
        )
    service = QuizService(
        bank=bank,
        store=store,
        clock=clock or SystemClock(),
        rng=rng or random.Random(),
        platform=PLATFORM,
        publisher=DiscordPublisher(client),
        # Each shard's process claims deliveries under its own name, stable across restarts,
        # so a restart releases its own claims and never another live process's.
        owner=f"{PLATFORM}:{shards.label()}" if shards else "",
    )
    jobs = QuizScheduler(
        service,
        scheduler or AsyncIOScheduler(timezone=UTC),
        owns_guild=shards.owns if shards else lambda _: True,
        sweep_as=shards.worker_name() if shards else None,
    )
    admin = AuditedAdmin(GuildAdmin(service), service)
    reviews = Reviews(service, DiscordNotifier(client))
    jobs.schedule_reminders(reviews)
    # Community features: suggestions, recaps, threads and role rewards (all off by default).
    community = Community(service, DiscordCommunityPublisher(client))
    parts = CommunityParts(community, CommunityTicker(community, jobs.scheduler))
    client.attach(
        QuizContext(service, admin, jobs, reviews, Moderation(service), parts, reload=reload)
    )
    return client


async def stop_gracefully(client: QuizClient, *, grace: float = STOP_GRACE_S) -> None:
    """Stop in an order that loses nothing and raises nothing.

    No new jobs or deliveries first (running ones finish), then the interaction handlers
    in flight finish (a /quiz whose message is being sent records it), and only then the
    connection closes. Whatever still runs after `grace` is resumed at the next start.
    """
    quiz = client.quiz
    log.info("stopping: %d interactions in flight", len(quiz.inflight))
    await quiz.scheduler.shutdown()
    if not await quiz.inflight.drain(grace):
        log.warning("stopping: some interactions did not finish in %.0fs", grace)
    if not client.is_closed():
        await client.close()


async def run_discord(
    settings: Settings,
    bank: QuestionBank,
    *,
    sync: bool,
    serve: bool,
    shards: ShardPlan | None = None,
    reload: Reload | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT (or, with serve=False, sync commands and exit)."""
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        print(missing_token_message(), file=sys.stderr)
        return 2
    store = await open_store(settings.db)
    client = build_client(
        store,
        bank,
        sync=sync or not serve,
        serve=serve,
        dev_guild_id=settings.dev_guild_id,
        shards=shards,
        reload=reload,
    )
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def on_signal() -> None:
        if not stopping:
            stopping.append(asyncio.create_task(stop_gracefully(client)))

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    try:
        token = settings.discord_token.get_secret_value()
        if serve:
            anchor = heartbeat_anchor(settings.db)
            async with heartbeat(anchor, SystemClock(), alive=client.connected):
                await client.start(token)
        else:
            async with client:
                await client.login(token)
    except discord.LoginFailure:
        print(REJECTED_TOKEN, file=sys.stderr)
        return 2
    except (aiohttp.ClientError, OSError) as exc:
        print(f"quizbot: cannot reach Discord: {exc}", file=sys.stderr)
        return 1
    finally:
        if stopping:
            await asyncio.gather(*stopping, return_exceptions=True)
        await client.quiz.scheduler.shutdown()
        await client.quiz.community.ticker.shutdown()
        if not client.is_closed():
            await client.close()
        # Closing the store drains the writer: every acknowledged answer is committed.
        await store.close()
        log.info("stopped cleanly")
    return 0
