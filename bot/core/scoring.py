"""Grading, points and streak rules as pure functions over plain records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bot.core.model import Answer, LevelStats, MemberStats, PostKind
from bot.core.questions import Difficulty, Question


def grade(question: Question, answer: Answer) -> bool | None:
    """True/False for a choice question; None for an open one (the member grades it)."""
    if question.correct_index is None:
        return None
    return answer.choice == question.correct_index


def tally(question: Question, answers: Iterable[Answer]) -> tuple[dict[int, int], int, int]:
    """Counts per choice (pack order), total answered, total correct."""
    answers = list(answers)
    per_choice = Counter(a.choice for a in answers if a.choice is not None)
    counts = {index: per_choice[index] for index in range(len(question.choices or []))}
    correct = sum(1 for a in answers if grade(question, a))
    return counts, len(answers), correct


def apply_result(
    stats: MemberStats,
    *,
    correct: bool,
    difficulty: Difficulty,
    kind: PostKind,
    daily_seq: int | None,
    scored: bool = True,
) -> None:
    """Credit one graded answer; daily posts also move the streak.

    An answer that is not `scored` (a self-grade where the guild does not let those
    score) counts in answered and correct only: no points, no streak.

    The streak counts consecutive daily posts of the guild answered correctly, in
    posting order: it continues only when the member's last streak step was the
    previous daily post (`daily_seq - 1`), so days without a daily post never break
    it, while a daily the member did not answer does.
    """
    if kind is PostKind.PRIVATE:
        return
    level = stats.by_level.setdefault(difficulty, LevelStats())
    stats.answered += 1
    level.answered += 1
    if correct:
        stats.correct += 1
        level.correct += 1
        if scored:
            stats.points += difficulty.points
            level.points += difficulty.points
    if scored and kind is PostKind.DAILY and daily_seq is not None:
        if correct:
            continued = stats.streak_seq == daily_seq - 1
            stats.streak = stats.streak + 1 if continued else 1
            stats.best_streak = max(stats.best_streak, stats.streak)
        else:
            stats.streak = 0
        stats.streak_seq = daily_seq


def current_streak(stats: MemberStats, last_revealed_seq: int) -> int:
    """The streak as it stands: a member who skipped the latest revealed daily has none."""
    return stats.streak if stats.streak_seq >= last_revealed_seq else 0
