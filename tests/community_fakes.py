"""A fake of the community port, and a filled-in suggestion form, shared by the tests."""

from __future__ import annotations

import dataclasses

from bot.core.community_model import Recap, Suggestion
from bot.core.community_ports import RoleChangeFailed
from bot.core.errors import ChannelUnavailable, TryAgainLater
from bot.core.model import RevealView
from bot.core.suggestion_form import SuggestionForm


class RecordingCommunityPublisher:
    """Records what would reach the platform; failures are scripted per call."""

    def __init__(self) -> None:
        self.suggestions: list[Suggestion] = []
        self.recaps: list[Recap] = []
        self.discussions: list[tuple[RevealView, str]] = []
        self.role_calls: list[tuple[str, str, str, bool]] = []
        self.roles: dict[tuple[str, str], set[str]] = {}
        # Each role change pops the next scripted failure (None: it works).
        self.role_failures: list[RoleChangeFailed | None] = []
        self.failing_channels: set[str] = set()
        # While set, discussions fail for now (an outage), as the platforms' adapters say.
        self.down = False

    async def show_suggestion(self, suggestion: Suggestion) -> str | None:
        """Record the review post; its message id is derived from the suggestion's."""
        if suggestion.review_channel_id in self.failing_channels:
            raise ChannelUnavailable("Missing Permissions (403)")
        self.suggestions.append(suggestion)
        return suggestion.review_message_id or f"review-{suggestion.suggestion_id}"

    async def post_recap(self, recap: Recap) -> None:
        """Record a recap, or refuse it for a failing channel."""
        if recap.channel_id in self.failing_channels:
            raise ChannelUnavailable("Missing Permissions (403)")
        if self.down:
            raise TryAgainLater("503 Service Unavailable")
        self.recaps.append(recap)

    async def open_discussion(self, view: RevealView, title: str) -> None:
        """Record a discussion."""
        if view.post.channel_id in self.failing_channels:
            raise ChannelUnavailable("Missing Permissions (403)")
        if self.down:
            raise TryAgainLater("503 Service Unavailable")
        self.discussions.append((view, title))

    async def change_role(self, guild_id: str, member_id: str, role_id: str, add: bool) -> None:
        """Record a role change and apply it, unless a failure is scripted."""
        self.role_calls.append((guild_id, member_id, role_id, add))
        failure = self.role_failures.pop(0) if self.role_failures else None
        if failure is not None:
            raise failure
        held = self.roles.setdefault((guild_id, member_id), set())
        if add:
            held.add(role_id)
        else:
            held.discard(role_id)

    def holders(self, guild_id: str, role_id: str) -> set[str]:
        """Members holding a role now."""
        return {m for (g, m), roles in self.roles.items() if g == guild_id and role_id in roles}


GOOD_FORM = SuggestionForm(
    level="expert",
    topics="asyncio",
    prompt="Which call schedules a coroutine to run concurrently on the running loop?",
    correct="`asyncio.create_task(coro)`",
    wrong=("`coro()` alone", "`asyncio.sleep(coro)`", "`await coro` inside a lambda"),
    why=(
        "Calling a coroutine function only creates a coroutine object.",
        "sleep takes a number of seconds, not a coroutine.",
        "A lambda cannot contain await.",
    ),
    explanation="create_task wraps the coroutine in a Task that the event loop runs.",
)


def form(**changes: object) -> SuggestionForm:
    """The good form with some fields changed."""
    return dataclasses.replace(GOOD_FORM, **changes)  # type: ignore[arg-type]
