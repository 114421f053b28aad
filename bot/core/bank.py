"""The loaded questions, indexed for drawing by difficulty and topic."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from bot.core.errors import InvalidInput, NotFound
from bot.core.questions import Difficulty, Question
from bot.core.text import echo


class QuestionBank:
    """Immutable collection of validated questions from every configured pack."""

    def __init__(self, questions: Iterable[Question]) -> None:
        self._by_id = {question.id: question for question in questions}
        self.topics: tuple[str, ...] = tuple(
            sorted({topic for q in self._by_id.values() for topic in q.topics})
        )

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Question]:
        return iter(self._by_id.values())

    def get(self, question_id: str) -> Question:
        """The question with this id, or NotFound (e.g. removed from the packs since posting)."""
        try:
            return self._by_id[question_id]
        except KeyError:
            raise NotFound(f"question '{question_id}' is no longer in the loaded packs") from None

    def matching(self, difficulty: Difficulty | None, topic: str | None) -> list[str]:
        """Ids of the questions that match the filter, in a stable order."""
        return sorted(
            q.id
            for q in self._by_id.values()
            if (difficulty is None or q.difficulty is difficulty)
            and (topic is None or topic in q.topics)
        )

    def check_topic(self, topic: str) -> str:
        """The topic normalised, or InvalidInput naming close matches."""
        wanted = topic.strip().lower()
        if wanted in self.topics:
            return wanted
        close = [t for t in self.topics if wanted and wanted in t][:5]
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise InvalidInput(f"Unknown topic {echo(topic)}.{hint}")

    def search_topics(self, prefix: str, limit: int = 25) -> list[str]:
        """Topics for autocomplete: those starting with the text first, then containing it."""
        text = prefix.strip().lower()
        starts = [t for t in self.topics if t.startswith(text)]
        contains = [t for t in self.topics if text in t and t not in starts]
        return (starts + contains)[:limit]

    def counts_by_difficulty(self) -> dict[Difficulty, int]:
        """How many questions each level has, in level order."""
        counts = Counter(q.difficulty for q in self._by_id.values())
        return {level: counts[level] for level in Difficulty}

    def counts_by_topic(self) -> dict[str, int]:
        """How many questions carry each topic, by topic name."""
        counts = Counter(topic for q in self._by_id.values() for topic in q.topics)
        return dict(sorted(counts.items()))
