"""Domain errors: each carries the message a member or admin should read."""

from __future__ import annotations


class QuizError(Exception):
    """A refusal or failure the user caused or can act on; `str()` is the user-facing text."""


class InvalidInput(QuizError):
    """An argument (time, zone, delay, level, topic...) is malformed or out of range."""


class NotFound(QuizError):
    """The post, question or guild configuration does not exist."""


class NoQuestions(QuizError):
    """The filter (difficulty/topic) matches no question in the loaded packs."""


class PostClosed(QuizError):
    """The post was already revealed, so it no longer takes answers."""


class DrawAlreadyOpen(QuizError):
    """A channel may hold one open draw at a time."""

    def __init__(self, message: str, reveal_at_unix: int) -> None:
        super().__init__(message)
        self.reveal_at_unix = reveal_at_unix


class DeliveryFailed(QuizError):
    """An admin's manual post could not reach its channel; the message says why."""


class NotAllowed(QuizError):
    """The caller lacks the permission an action requires."""


class PackError(QuizError):
    """One or more question packs are invalid; `problems` holds every line to print."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ChannelUnavailable(Exception):
    """The platform refused to post in a channel (deleted, or a permission is missing)."""
