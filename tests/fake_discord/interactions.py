"""Interaction handles returned to tests, and the events the bot produced for them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .models import (
    FLAG_EPHEMERAL,
    JSON,
    FakeChannel,
    FakeRole,
    FakeUser,
    StoredMessage,
)
from .waiting import DEFAULT_TIMEOUT, EventLog

InteractionEventKind = Literal[
    "callback", "followup", "edit_original", "delete_original", "edit_followup", "delete_followup"
]
"""What the bot did in reply to an interaction."""

# Interaction types.
APPLICATION_COMMAND = 2
"""Interaction type of a slash command."""
MESSAGE_COMPONENT = 3
"""Interaction type of a button click or select."""
AUTOCOMPLETE = 4
"""Interaction type of an autocomplete request."""
MODAL_SUBMIT = 5
"""Interaction type of a submitted modal."""

# Callback types.
CHANNEL_MESSAGE = 4
"""Callback: reply with a message."""
DEFERRED_CHANNEL_MESSAGE = 5
"""Callback: "Bot is thinking...", reply later."""
DEFERRED_UPDATE_MESSAGE = 6
"""Callback: acknowledge a component, edit its message later (maybe)."""
UPDATE_MESSAGE = 7
"""Callback: edit the message the component is on."""
AUTOCOMPLETE_RESULT = 8
"""Callback: autocomplete choices."""
MODAL = 9
"""Callback: open a modal."""

OptionValue = str | int | float | bool | FakeUser | FakeChannel | FakeRole
"""A value a test may pass for a slash command option."""


@dataclass(frozen=True)
class InteractionEvent:
    """One reply the bot made to an interaction: the callback, a followup or an edit."""

    kind: InteractionEventKind
    data: JSON
    message: StoredMessage | None = None
    type: int | None = None

    def __repr__(self) -> str:
        target = self.message.summary() if self.message is not None else f"data={self.data!r:.200}"
        return f"<{self.kind} type={self.type}: {target}>"

    @property
    def content(self) -> str | None:
        """Message content after this event (None if it carried no message)."""
        if self.message is not None:
            return self.message.content
        value = self.data.get("content")
        return None if value is None else str(value)

    @property
    def ephemeral(self) -> bool:
        """Whether the message is only visible to the invoking user."""
        if self.message is not None:
            return self.message.ephemeral
        return bool((self.data.get("flags") or 0) & FLAG_EPHEMERAL)

    @property
    def embeds(self) -> list[JSON]:
        """The embeds of the message after this event."""
        if self.message is not None:
            return self.message.embeds
        embeds: list[JSON] = self.data.get("embeds") or []
        return embeds

    @property
    def components(self) -> list[JSON]:
        """The components of the message (or modal) after this event."""
        if self.message is not None:
            return self.message.components
        components: list[JSON] = self.data.get("components") or []
        return components

    @property
    def choices(self) -> list[JSON]:
        """Autocomplete choices (type 8 callbacks)."""
        choices: list[JSON] = self.data.get("choices") or []
        return choices

    @property
    def text(self) -> str:
        """Content plus embed text, handy for ``assert "x" in event.text``."""
        if self.message is None:
            return self.content or ""
        return "\n".join(p for p in (self.message.content, self.message.embed_text()) if p)


@dataclass
class FakeInteraction:
    """An interaction the fake sent to the bot; await its responses with ``response()``."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user: FakeUser
    payload: JSON
    source_message_id: int | None = None
    name: str | None = None
    custom_id: str | None = None
    response_type: int | None = None
    original_message_id: int | None = None
    awaiting_followup: bool = False
    followup_ids: list[int] = field(default_factory=list)
    modal: JSON | None = None
    # time.monotonic() when the interaction was dispatched, and when its first response came.
    sent_at: float = 0.0
    responded_at: float | None = None
    events: EventLog[InteractionEvent] = field(init=False)
    _lookup: Callable[[int], StoredMessage | None] = field(
        default=lambda _id: None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.events = EventLog(self.describe())

    def describe(self) -> str:
        """E.g. ``slash command /quiz by alice (interaction 123)``."""
        kinds = {2: "slash command /", 3: "click on ", 4: "autocomplete of /", 5: "modal "}
        label = self.name or self.custom_id or "?"
        return f"{kinds.get(self.type, '')}{label} by {self.user.username} (interaction {self.id})"

    @property
    def responded(self) -> bool:
        """Whether the bot has sent the initial callback."""
        return self.response_type is not None

    @property
    def original_message(self) -> StoredMessage | None:
        """The current state of the @original response message, if any."""
        if self.original_message_id is None:
            return None
        return self._lookup(self.original_message_id)

    async def response(self, timeout: float = DEFAULT_TIMEOUT) -> InteractionEvent:
        """Wait for the initial callback (types 4-9) and return it."""
        return await self.wait_for(kind="callback", timeout=timeout)

    async def wait_for(
        self,
        predicate: Callable[[InteractionEvent], bool] | None = None,
        *,
        kind: InteractionEventKind | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionEvent:
        """Wait for an event of this ``kind`` matching ``predicate`` (past events count)."""

        def check(event: InteractionEvent) -> bool:
            if kind is not None and event.kind != kind:
                return False
            return predicate is None or predicate(event)

        return await self.events.wait_for(check, timeout=timeout, what=kind or "a response")

    async def followup(self, index: int = 0, timeout: float = DEFAULT_TIMEOUT) -> InteractionEvent:
        """Wait for the ``index``-th followup message (0 = first)."""
        count = 0

        def check(event: InteractionEvent) -> bool:
            nonlocal count
            if event.kind != "followup":
                return False
            count += 1
            return count > index

        return await self.events.wait_for(check, timeout=timeout, what=f"followup #{index}")

    async def choices(self, timeout: float = DEFAULT_TIMEOUT) -> list[JSON]:
        """Wait for the autocomplete result and return its choices."""
        event = await self.wait_for(lambda e: e.type == AUTOCOMPLETE_RESULT, timeout=timeout)
        return event.choices

    async def settled(
        self, predicate: Callable[[StoredMessage], bool], timeout: float = DEFAULT_TIMEOUT
    ) -> StoredMessage:
        """Wait until the @original message (after any edits) satisfies ``predicate``."""

        def check(event: InteractionEvent) -> bool:
            return (
                event.message is not None
                and event.message.id == self.original_message_id
                and predicate(event.message)
            )

        event = await self.events.wait_for(check, timeout=timeout, what="original message state")
        assert event.message is not None
        return event.message
