"""The loaded questions, indexed for drawing by difficulty and topic."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from bot.core.errors import InvalidInput, NotFound
from bot.core.questions import Difficulty, Question
from bot.core.text import echo

RUNNING_PYTHON = ".".join(map(str, sys.version_info[:3]))


@dataclass(frozen=True)
class _Contents:
    by_id: dict[str, Question]
    served: tuple[Question, ...]
    topics: dict[str, str]


class QuestionBank:
    """Validated questions from every configured pack; `replace` swaps them all at once."""

    def __init__(
        self,
        questions: Iterable[Question],
        topics: Mapping[str, str] | None = None,
        *,
        python: str = RUNNING_PYTHON,
    ) -> None:
        by_id = {question.id: question for question in questions}
        # A question whose behaviour differs on this interpreter is kept (posts may name
        # it) but never drawn.
        served = tuple(q for q in by_id.values() if q.runs_on(python))
        descriptions = topics or {}
        used = sorted({topic for q in served for topic in q.topics})
        self._contents = _Contents(by_id, served, {t: descriptions.get(t, "") for t in used})

    @property
    def topics(self) -> dict[str, str]:
        """Every topic a served question carries, slug -> one-line description, by slug."""
        return self._contents.topics

    def replace(self, other: QuestionBank) -> None:
        """Take over the other bank's questions; readers see the old set or the new, never a mix."""
        self._contents = other._contents

    def __len__(self) -> int:
        return len(self._contents.by_id)

    def __iter__(self) -> Iterator[Question]:
        return iter(self._contents.by_id.values())

    def get(self, question_id: str) -> Question:
        """The question with this id, or NotFound (e.g. removed from the packs since posting)."""
        try:
            return self._contents.by_id[question_id]
        except KeyError:
            raise NotFound(f"question '{question_id}' is no longer in the loaded packs") from None

    def matching(self, difficulty: Difficulty | None, topic: str | None) -> list[str]:
        """Ids of the served questions that match the filter, in a stable order."""
        return sorted(
            q.id
            for q in self._contents.served
            if (difficulty is None or q.difficulty is difficulty)
            and (topic is None or topic in q.topics)
        )

    def check_topic(self, topic: str) -> str:
        """The topic normalised, or InvalidInput naming close matches."""
        wanted = topic.strip().lower()
        topics = self.topics
        if wanted in topics:
            return wanted
        close = [t for t in topics if wanted and wanted in t][:5]
        if close:
            hint = f" Did you mean {', '.join(close)}?"
        else:
            # `/quiz hard`: a level or topic word the member guessed at.
            levels = ", ".join(level.value for level in Difficulty)
            hint = f" Levels are {levels}; the topics command lists every topic."
        raise InvalidInput(f"Unknown topic {echo(topic)}.{hint}")

    def search_topics(self, prefix: str, limit: int = 25) -> list[str]:
        """Topics for autocomplete: those starting with the text first, then containing it."""
        text = prefix.strip().lower()
        topics = self.topics
        starts = [t for t in topics if t.startswith(text)]
        contains = [t for t in topics if text in t and t not in starts]
        described = [
            t for t, d in topics.items() if text in d.lower() and t not in starts + contains
        ]
        return (starts + contains + described)[:limit]

    def counts_by_difficulty(self) -> dict[Difficulty, int]:
        """How many served questions each level has, in level order."""
        counts = Counter(q.difficulty for q in self._contents.served)
        return {level: counts[level] for level in Difficulty}

    def counts_by_topic(self) -> dict[str, int]:
        """How many served questions carry each topic, by topic name."""
        counts = Counter(topic for q in self._contents.served for topic in q.topics)
        return dict(sorted(counts.items()))
