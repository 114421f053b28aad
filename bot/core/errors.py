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


class DeliveryPending(QuizError):
    """An admin's manual post is saved, but the platform has not taken it yet; it is retried."""


class TryAgainLater(Exception):
    """The platform could not take a post or edit right now (outage, rate limit, network).

    The delivery is retried: after `retry_after` seconds when the platform said so,
    otherwise with exponential backoff.
    """

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
