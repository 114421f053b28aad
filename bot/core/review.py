"""Spaced review on the fsrs package: one card per member and question, graded by answers.

A right answer rates the card Good and a wrong one Again. The scheduler has no
minute-long learning steps: a question asked in a chat comes back after whole
days (a miss tomorrow, a hit after a few days, then further apart), and fuzzing
is off so that the schedule depends only on the answers and their times.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler

from bot.core.errors import NotFound
from bot.core.learning_model import ReminderCandidate, StoredCard, TopicScore
from bot.core.questions import Question

SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
# fsrs stamps a new card with the creation time unless given an id; the id is unused here.
_CARD_ID = 1
WEAK_MIN_ANSWERS = 3
WEAKEST_SHOWN = 3
# Reminders wait for the morning in the guild's zone, so nobody is woken at night.
REMIND_FROM = time(9, 0)


def grade_card(
    card: StoredCard | None,
    *,
    guild_id: str,
    member_id: str,
    question_id: str,
    correct: bool,
    at: datetime,
) -> StoredCard:
    """The card after one graded answer at `at` (a new card for a first answer)."""
    if card is None:
        state = Card(card_id=_CARD_ID, due=at)
        answered = right = 0
    else:
        state = Card.from_json(card.state)
        answered, right = card.answered, card.correct
        # An answer graded late (a self-grade) must not move the card back in time.
        at = max(at, card.reviewed_at)
    rating = Rating.Good if correct else Rating.Again
    reviewed, _ = SCHEDULER.review_card(state, rating, review_datetime=at)
    return StoredCard(
        guild_id=guild_id,
        member_id=member_id,
        question_id=question_id,
        state=reviewed.to_json(),
        due_at=reviewed.due,
        reviewed_at=at,
        answered=answered + 1,
        correct=right + int(correct),
    )


def weakest_topics(
    question: Callable[[str], Question], counts: Iterable[tuple[str, int, int]]
) -> list[TopicScore]:
    """The three topics with the lowest accuracy among those answered at least 3 times.

    `counts` holds (question id, answered, correct); questions no longer in the packs
    are left out. Ties go to the topic answered more often, then by name.
    """
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for question_id, answered, correct in counts:
        try:
            topics = question(question_id).topics
        except NotFound:
            continue
        for topic in topics:
            totals[topic][0] += answered
            totals[topic][1] += correct
    scores = [
        TopicScore(topic, answered, correct)
        for topic, (answered, correct) in totals.items()
        if answered >= WEAK_MIN_ANSWERS
    ]
    scores.sort(key=lambda s: (s.accuracy, -s.answered, s.topic))
    return scores[:WEAKEST_SHOWN]


def should_remind(candidate: ReminderCandidate, now: datetime) -> bool:
    """At most one reminder per local day, from 09:00 on, and only when something is due."""
    if candidate.due <= 0:
        return False
    zone = ZoneInfo(candidate.timezone)
    local = now.astimezone(zone)
    if local.time() < REMIND_FROM:
        return False
    last = candidate.last_sent_at
    return last is None or last.astimezone(zone).date() < local.date()
