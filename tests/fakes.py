"""Fakes of our own ports, and a small question bank, shared by the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.bank import QuestionBank
from bot.core.errors import ChannelUnavailable, TryAgainLater
from bot.core.model import Post, PostView, RevealView
from bot.core.ports import Attempt
from bot.core.questions import Choice, Difficulty, Question


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        """The set time."""
        return self.current

    def set(self, when: datetime) -> None:
        """Jump to an instant (any zone; stored as UTC)."""
        self.current = when.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        """Move forward by a timedelta's keyword arguments."""
        self.current += timedelta(**delta)


class RecordingPublisher:
    """Records what would reach the channel, like a platform that keeps every message.

    Channels in `failing` refuse for good; while `down` is set every call fails for now
    (with `retry_after` when given); the next `lose` posts are made but their answer is
    lost, so only `find` can tell they exist.
    """

    def __init__(self) -> None:
        self.published: list[PostView] = []
        self.reveals: list[RevealView] = []
        self.withdrawn: list[Post] = []
        self.attempts: list[Attempt] = []
        self.failing: set[str] = set()
        self.down = False
        self.retry_after: float | None = None
        self.lose = 0

    def _check(self, channel_id: str) -> None:
        if channel_id in self.failing:
            raise ChannelUnavailable("Missing Permissions (403)")
        if self.down:
            raise TryAgainLater("503 Service Unavailable", self.retry_after)

    async def publish(self, view: PostView, ping_role: str | None, attempt: Attempt) -> str:
        """Record a post once (a repeat returns the first, as the port requires), or refuse."""
        self.attempts.append(attempt)
        self._check(view.post.channel_id)
        if any(v.post.post_id == view.post.post_id for v in self.published):
            return f"msg-{view.post.post_id}"
        self.published.append(view)
        if self.lose > 0:
            self.lose -= 1
            raise TryAgainLater("the answer was lost")
        return f"msg-{view.post.post_id}"

    async def find(self, post: Post) -> str | None:
        """The message of a post published before, if any."""
        self._check(post.channel_id)
        ids = {v.post.post_id for v in self.published}
        return f"msg-{post.post_id}" if post.post_id in ids else None

    async def show_reveal(self, view: RevealView) -> None:
        """Record a reveal."""
        self._check(view.post.channel_id)
        self.reveals.append(view)

    async def show_withdrawn(self, post: Post) -> None:
        """Record a post closed without its answer."""
        self._check(post.channel_id)
        self.withdrawn.append(post)


def question(
    qid: str,
    difficulty: Difficulty = Difficulty.MID,
    *,
    topics: tuple[str, ...] = ("basics",),
    correct: int = 0,
    open_question: bool = False,
) -> Question:
    """A valid question with four choices (or none for an open question)."""
    choices = None
    if not open_question:
        choices = [
            Choice(
                text=f"{qid} choice {i}", correct=i == correct, why=None if i == correct else "no"
            )
            for i in range(4)
        ]
    return Question(
        id=qid,
        difficulty=difficulty,
        topics=list(topics),
        prompt=f"Prompt of {qid}?",
        answer=[f"Answer of {qid}"],
        explanation=f"Explanation of {qid}.",
        choices=choices,
    )


def small_bank() -> QuestionBank:
    """Three questions per level (topics vary), plus one open question."""
    questions = [
        question(
            f"{level.value}-{n}", level, topics=("basics", "asyncio") if n == 0 else ("basics",)
        )
        for level in Difficulty
        for n in range(3)
    ]
    questions.append(question("open-1", Difficulty.SENIOR, topics=("design",), open_question=True))
    return QuestionBank(questions)


class RecordingNotifier:
    """Records review reminders; members in `closed` have their direct messages closed."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, int]] = []
        self.closed: set[str] = set()

    async def remind(self, guild_id: str, member_id: str, due: int) -> None:
        """Record a reminder, or refuse it for a member with closed DMs."""
        if member_id in self.closed:
            raise ChannelUnavailable("Cannot send messages to this user (403)")
        self.sent.append((guild_id, member_id, due))
