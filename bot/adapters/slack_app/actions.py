"""Ids of buttons and modals: they carry the post (and choice), so they outlive a restart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.core.errors import InvalidInput

CHOICE = re.compile(r"^quiz:choice:(\d+):(\d+)$")
OPEN = re.compile(r"^quiz:open:(\d+)$")
GRADE = re.compile(r"^quiz:grade:(\d+):(got|missed)$")
MODAL_CALLBACK = "quiz:answer"
MODAL_BLOCK = "answer"
MODAL_INPUT = "text"


def choice_id(post_id: int, choice: int) -> str:
    """The action id of a choice button (the choice is its index in the pack)."""
    return f"quiz:choice:{post_id}:{choice}"


def open_id(post_id: int) -> str:
    """The action id of an open question's Answer button."""
    return f"quiz:open:{post_id}"


def grade_id(post_id: int, got: bool) -> str:
    """The action id of a self-grade button."""
    return f"quiz:grade:{post_id}:{'got' if got else 'missed'}"


def _match(pattern: re.Pattern[str], action_id: str) -> re.Match[str]:
    match = pattern.match(action_id)
    if match is None:
        raise InvalidInput("This button is not one of mine any more.")
    return match


def parse_choice(action_id: str) -> tuple[int, int]:
    """(post id, pack choice index) from a choice button."""
    match = _match(CHOICE, action_id)
    return int(match[1]), int(match[2])


def parse_open(action_id: str) -> int:
    """The post id from an Answer button."""
    return int(_match(OPEN, action_id)[1])


def parse_grade(action_id: str) -> tuple[int, bool]:
    """(post id, got it) from a self-grade button."""
    match = _match(GRADE, action_id)
    return int(match[1]), match[2] == "got"


@dataclass(frozen=True)
class ModalContext:
    """What the answer modal remembers between opening and submission."""

    post_id: int
    channel_id: str
    # Set for private practice: the ephemeral post is replaced through it.
    response_url: str | None = None

    def dump(self) -> str:
        """As the modal's private_metadata."""
        return json.dumps(
            {"post": self.post_id, "channel": self.channel_id, "url": self.response_url}
        )

    @classmethod
    def load(cls, text: str) -> ModalContext:
        """From the modal's private_metadata."""
        try:
            data = json.loads(text)
            return cls(int(data["post"]), str(data["channel"]), data.get("url"))
        except (ValueError, KeyError, TypeError):
            raise InvalidInput("This answer form is out of date: press Answer again.") from None
