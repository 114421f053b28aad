"""What every handler needs, reachable from any interaction through its client."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import discord

from bot.adapters.discord_app.community_parts import CommunityParts
from bot.adapters.discord_app.render import NO_PINGS
from bot.core.audit import AuditedAdmin
from bot.core.errors import QuizError
from bot.core.model import Member
from bot.core.moderation import Moderation
from bot.core.reloading import Reload
from bot.core.reviewing import Reviews
from bot.core.service import QuizService
from bot.scheduling import QuizScheduler

log = logging.getLogger(__name__)

T = TypeVar("T")

UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060

# Discord refuses a first response later than 3 s after it created the interaction. Work
# still running this long after that moment (an answer waiting for its commit) defers the
# interaction first, which keeps its token valid for 15 minutes; the reply follows later.
ACK_BUDGET_S = 2.0
RESPONSE_WINDOW_S = 3.0
# A first response is not even tried this long past the window, by this machine's clock:
# under a backlog each doomed request would cost as much as one that still counts.
CLOCK_MARGIN_S = 0.5
DISCORD_EPOCH_S = 1_420_070_400
# Marks an interaction found expired (past the window, or its deferral refused as such):
# nobody is left to tell, so nothing more is sent for it.
EXPIRED = "quizbot.expired"


class InFlight:
    """Interaction handlers still running, so a stop can let them finish first."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def track_current(self) -> None:
        """Count the running task (an interaction's handler) until it is done."""
        task = asyncio.current_task()
        if task is not None and task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float) -> bool:
        """Wait until every tracked handler has finished; False if some were still running."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks:
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=left)
        return True


@dataclass(frozen=True)
class QuizContext:
    """The engine parts the Discord handlers call."""

    service: QuizService
    admin: AuditedAdmin
    scheduler: QuizScheduler
    reviews: Reviews
    moderation: Moderation
    community: CommunityParts
    inflight: InFlight = field(default_factory=InFlight)
    # Reloads the question packs every guild of this process shares; None: not offered.
    reload: Reload | None = None


class HasQuiz(Protocol):
    """A client that carries a QuizContext."""

    quiz: QuizContext


def quiz_of(interaction: discord.Interaction) -> QuizContext:
    """The context of the client that received the interaction."""
    client: HasQuiz = interaction.client  # type: ignore[assignment]
    return client.quiz


async def is_bot_owner(client: discord.Client, user: discord.abc.User) -> bool:
    """discord.py's owner rule (`commands.Bot.is_owner`): the application's owner or, for a
    team-owned application, its owner and its admin and developer members.

    The application is fetched on every check, so a transfer of ownership counts at once.
    """
    app = await client.application_info()
    if app.team is None:
        return user.id == app.owner.id
    owners = {
        member.id
        for member in app.team.members
        if member.role in (discord.TeamMemberRole.admin, discord.TeamMemberRole.developer)
    }
    return user.id == app.team.owner_id or user.id in owners


def member_of(interaction: discord.Interaction) -> Member:
    """The acting member, named as the server shows them."""
    return Member(str(interaction.user.id), interaction.user.display_name)


def guild_key(interaction: discord.Interaction) -> str:
    """The guild id as the engine's key; DMs have none."""
    if interaction.guild_id is None:
        raise QuizError("The quiz works inside a server, not in direct messages.")
    return str(interaction.guild_id)


async def reply(
    interaction: discord.Interaction, text: str = "", *, embed: discord.Embed | None = None
) -> None:
    """An ephemeral reply, whether or not the interaction was deferred already.

    An interaction that expired meanwhile (the 3-second window passed under load) is logged
    as one line: there is nobody left to tell, and trying again would only fail again. One
    already past the window by this machine's clock, or whose deferral Discord refused as
    expired (see `in_time`), is not tried at all.
    """
    if _gave_up(interaction):
        return
    embeds = [embed] if embed is not None else []
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                text, embeds=embeds, ephemeral=True, allowed_mentions=NO_PINGS
            )
        else:
            await interaction.response.send_message(
                text, embeds=embeds, ephemeral=True, allowed_mentions=NO_PINGS
            )
    except discord.HTTPException as exc:
        if not expired(exc):
            raise
        log_expired(interaction)


async def show_result(interaction: discord.Interaction, embed: discord.Embed) -> None:
    """Replace the clicked (ephemeral) message with `embed`, its buttons gone.

    After a deferral as an update, the message is edited through the interaction's webhook;
    after a "thinking" deferral, the result comes as a new ephemeral message instead.
    """
    if _gave_up(interaction):
        return
    response = interaction.response
    if response.type is discord.InteractionResponseType.deferred_message_update:
        await interaction.edit_original_response(embed=embed, view=None)
    elif response.is_done():
        await reply(interaction, embed=embed)
    else:
        await response.edit_message(embed=embed, view=None)


async def in_time(
    interaction: discord.Interaction, work: Awaitable[T], *, update: bool = False
) -> T:
    """Await `work`; if it is still running ACK_BUDGET_S after the interaction was created,
    defer the interaction meanwhile, so the reply can follow within 15 minutes.

    `update` defers as an update of the clicked message (shown by `show_result`), otherwise
    as an ephemeral "thinking" reply that `reply` fills. Work that finishes in time costs a
    timer and nothing else: the reply is the interaction's one response. An interaction
    already past Discord's window has its work done all the same, and nothing sent.
    """
    if _gave_up(interaction):
        return await work  # recorded all the same; nobody is left to tell
    loop = asyncio.get_running_loop()
    # The budget also runs from now, so a local clock behind Discord's cannot stretch it.
    left = min(ACK_BUDGET_S - _age(interaction), ACK_BUDGET_S)
    deferring: list[asyncio.Task[None]] = []

    def late() -> None:
        deferring.append(loop.create_task(_defer(interaction, update)))

    timer = loop.call_later(max(left, 0.0), late)
    try:
        return await work
    finally:
        timer.cancel()
        if deferring:
            # The reply must not race the deferral: it is a followup once that is done.
            await deferring[0]


def _age(interaction: discord.Interaction) -> float:
    """Seconds since Discord created the interaction: its id is a snowflake, whose top bits
    are the creation time in milliseconds."""
    return time.time() - ((interaction.id >> 22) / 1000 + DISCORD_EPOCH_S)


def _gave_up(interaction: discord.Interaction) -> bool:
    """True when the interaction cannot be answered any more (logged once, when found)."""
    if interaction.extras.get(EXPIRED):
        return True
    if interaction.response.is_done() or _age(interaction) <= RESPONSE_WINDOW_S + CLOCK_MARGIN_S:
        return False
    interaction.extras[EXPIRED] = True
    log_expired(interaction)
    return True


async def _defer(interaction: discord.Interaction, update: bool) -> None:
    if _gave_up(interaction):
        return
    try:
        if update:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
    except discord.InteractionResponded:
        pass  # answered meanwhile (cannot happen while the work runs, but harmless)
    except discord.HTTPException as exc:
        if not expired(exc):
            # Not deferred: the reply, once the work is done, tries a first response itself.
            log.warning("could not defer an interaction: %s", exc)
            return
        interaction.extras[EXPIRED] = True
        log_expired(interaction)
    except Exception as exc:  # the work's outcome matters more than the deferral's
        log.warning("could not defer an interaction: %r", exc)


def expired(exc: BaseException) -> bool:
    """True for Discord's "Unknown interaction" and "already acknowledged" refusals."""
    return isinstance(exc, discord.HTTPException) and exc.code in (
        UNKNOWN_INTERACTION,
        ALREADY_ACKNOWLEDGED,
    )


def log_expired(interaction: discord.Interaction) -> None:
    """One line, no traceback: the member's click came too late to be answered."""
    log.warning(
        "interaction expired before it was answered (guild %s, user %s)",
        interaction.guild_id,
        interaction.user.id,
        extra={"guild_id": interaction.guild_id},
    )


async def guarded(interaction: discord.Interaction, handler: Callable[[], Awaitable[None]]) -> None:
    """Run a component handler; QuizErrors become ephemeral replies, the rest is logged."""
    quiz_of(interaction).inflight.track_current()
    try:
        await handler()
    except QuizError as exc:
        await reply(interaction, str(exc))
    except Exception as exc:
        if expired(exc):
            log_expired(interaction)  # the work itself is done; only its answer came too late
            return
        context = {"guild_id": interaction.guild_id, "user_id": interaction.user.id}
        if interaction.client.is_closed():
            # Stopping: the work is committed, only the acknowledgement could not be sent.
            log.warning("interaction left unanswered: the bot is stopping", extra=context)
            return
        log.exception("interaction failed", extra=context)
        await reply(interaction, "Something went wrong on our side; please try again.")
