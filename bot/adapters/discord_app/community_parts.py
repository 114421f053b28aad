"""The community side of the Discord adapter: the engine's features plus adapter-only state."""

from __future__ import annotations

import dataclasses
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.adapters.discord_app.cards import CardCache
from bot.community_scheduling import CommunityTicker
from bot.core.community import Community
from bot.core.suggestion_form import SuggestionForm

MAX_DRAFTS = 1000


@dataclass(frozen=True)
class Draft:
    """A suggestion form between its two modals (a Discord modal holds five inputs)."""

    guild_id: str
    user_id: str
    level: str
    topics: str
    prompt: str = ""
    correct: str = ""
    wrong: tuple[str, str, str] = ("", "", "")
    why: tuple[str, str, str] = ("", "", "")
    explanation: str = ""
    editing: int | None = None  # the suggestion a reviewer is editing

    @classmethod
    def of(cls, guild_id: str, user_id: str, form: SuggestionForm, editing: int) -> Draft:
        """A reviewer's draft of an existing suggestion."""
        return cls(
            guild_id,
            user_id,
            form.level,
            form.topics,
            form.prompt,
            form.correct,
            form.wrong,
            form.why,
            form.explanation,
            editing,
        )

    def form(self) -> SuggestionForm:
        """The filled-in form."""
        return SuggestionForm(
            self.level,
            self.topics,
            self.prompt,
            self.correct,
            self.wrong,
            self.why,
            self.explanation,
        )

    def with_changes(self, **changes: object) -> Draft:
        """A copy with some fields filled in."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


class Drafts:
    """Half-filled forms by token, in memory: a restart only asks the member to start again."""

    def __init__(self, size: int = MAX_DRAFTS) -> None:
        self._size = size
        self._drafts: OrderedDict[str, Draft] = OrderedDict()

    def put(self, draft: Draft, token: str | None = None) -> str:
        """Keep a draft (under a new token unless one is given); returns the token."""
        token = token or secrets.token_hex(8)
        self._drafts[token] = draft
        self._drafts.move_to_end(token)
        while len(self._drafts) > self._size:
            self._drafts.popitem(last=False)
        return token

    def get(self, token: str, user_id: str) -> Draft | None:
        """The member's own draft under a token, None when gone or someone else's."""
        draft = self._drafts.get(token)
        return draft if draft is not None and draft.user_id == user_id else None

    def drop(self, token: str) -> None:
        """Forget a draft once its suggestion is saved."""
        self._drafts.pop(token, None)


@dataclass
class CommunityParts:
    """What the community handlers of the Discord adapter need."""

    community: Community
    ticker: CommunityTicker
    drafts: Drafts = field(default_factory=Drafts)
    cards: CardCache = field(default_factory=CardCache)
