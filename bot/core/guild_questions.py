"""Each guild's own questions (approved suggestions), served beside the packs in that guild only."""

from __future__ import annotations

from bot.core.questions import Difficulty, Question


class GuildQuestions:
    """An in-memory index of approved suggestions; the store holds the truth and fills it."""

    def __init__(self) -> None:
        self._by_guild: dict[str, dict[str, Question]] = {}
        self._guild_of: dict[str, str] = {}

    def add(self, guild_id: str, question: Question) -> None:
        """Serve a question in one guild (again, when it was edited)."""
        self._by_guild.setdefault(guild_id, {})[question.id] = question
        self._guild_of[question.id] = guild_id

    def get(self, question_id: str) -> Question | None:
        """A guild question by id, None for any other id."""
        guild_id = self._guild_of.get(question_id)
        return None if guild_id is None else self._by_guild[guild_id][question_id]

    def of(self, guild_id: str) -> list[Question]:
        """A guild's questions, by id."""
        return sorted(self._by_guild.get(guild_id, {}).values(), key=lambda q: q.id)

    def matching(
        self, guild_id: str, difficulty: Difficulty | None, topic: str | None
    ) -> list[str]:
        """Ids of the guild's questions that match a draw's filter."""
        return sorted(
            q.id
            for q in self._by_guild.get(guild_id, {}).values()
            if (difficulty is None or q.difficulty is difficulty)
            and (topic is None or topic in q.topics)
        )
