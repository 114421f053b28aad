"""A large database built straight into the schema with raw sqlite3, as the engine would leave it.

1,000 guilds with Zipf-distributed sizes (the biggest has about 13,000 members, the
smallest a handful), 100,000 members, 60 daily posts per guild (one a day up to the
benchmark's fixed "now", all revealed) and exactly 1,000,000 graded answers. Totals,
per-level totals, streaks and week/month points are computed with the engine's own
scoring rules from the answers, so every table agrees with the answers it summarises.
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from benchmarks.common import NOW, PLATFORM, SEED, apply_schema
from bot.core import calendar, scoring
from bot.core.bank import QuestionBank
from bot.core.model import MemberStats, Period, PostKind
from bot.core.questions import Question

GUILDS = 1000
MEMBERS = 100_000
ANSWERS = 1_000_000
POSTS_PER_GUILD = 60
MIN_GUILD_SIZE = 3
ZIPF_S = 1.0
DAILY_REVEAL_S = 8 * 3600
POST_HOUR = 9


@dataclass(frozen=True)
class Dataset:
    """What the read benchmarks need to pick guilds and callers like real traffic would."""

    path: Path
    guild_ids: list[str]
    sizes: list[int]  # members per guild; also the sampling weight of each guild
    first_member: list[int]  # index of each guild's first member (members are contiguous)
    answers: int
    period_rows: int
    build_s: float

    def member_id(self, index: int) -> str:
        """The id of the member with this global index."""
        return member_id(index)


def guild_id(index: int) -> str:
    """A snowflake-like guild id (18 digits, as the platforms use)."""
    return str(700_000_000_000_000_000 + index * 7919)


def member_id(index: int) -> str:
    """A snowflake-like member id; ids sort in index order."""
    return str(800_000_000_000_000_000 + index * 104_729)


def zipf_sizes(total: int, count: int, s: float, minimum: int) -> list[int]:
    """`count` sizes summing to `total`, the i-th proportional to 1 / i**s, each >= minimum."""
    weights = [1 / (rank**s) for rank in range(1, count + 1)]
    scale = total / sum(weights)
    sizes = [max(minimum, int(w * scale)) for w in weights]
    sizes[0] += total - sum(sizes)  # the rounding remainder goes to the biggest guild
    return sizes


def _answer_counts(rng: random.Random) -> list[int]:
    """Answers per member: skewed (most answer a few, some answer nearly every day)."""
    mean = ANSWERS / MEMBERS
    counts = [
        min(POSTS_PER_GUILD, 1 + int(rng.expovariate(1 / (mean - 0.5)))) for _ in range(MEMBERS)
    ]
    diff = ANSWERS - sum(counts)
    while diff:
        index = rng.randrange(MEMBERS)
        if diff > 0 and counts[index] < POSTS_PER_GUILD:
            counts[index] += 1
            diff -= 1
        elif diff < 0 and counts[index] > 1:
            counts[index] -= 1
            diff += 1
    return counts


def build(path: Path, bank: QuestionBank) -> Dataset:
    """Create and fill the database at `path`, then ANALYZE it."""
    started = perf_counter()
    rng = random.Random(SEED)
    sizes = zipf_sizes(MEMBERS, GUILDS, ZIPF_S, MIN_GUILD_SIZE)
    counts = _answer_counts(rng)
    questions = sorted(bank, key=lambda q: q.id)
    wrong = {
        q.id: [i for i in range(len(q.choices or [])) if i != q.correct_index] for q in questions
    }
    today = NOW.date()
    days = [today - timedelta(days=POSTS_PER_GUILD - 1 - i) for i in range(POSTS_PER_GUILD)]
    posted = [
        datetime.combine(d, datetime.min.time(), NOW.tzinfo) + timedelta(hours=POST_HOUR)
        for d in days
    ]
    periods = [
        (calendar.period_key(Period.WEEK, at, "UTC"), calendar.period_key(Period.MONTH, at, "UTC"))
        for at in posted
    ]

    first_member: list[int] = []
    period_rows = 0
    with closing(sqlite3.connect(str(path), isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = OFF")  # a bulk load into a new file: no rollback needed
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -524288")
        apply_schema(conn)
        conn.execute("BEGIN")
        next_member = 0
        for g, size in enumerate(sizes):
            first_member.append(next_member)
            members = range(next_member, next_member + size)
            next_member += size
            period_rows += _fill_guild(
                conn, rng, g, members, counts, questions, wrong, days, posted, periods
            )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        answers, answered, correct, counted_correct, levels_agree = conn.execute(
            "SELECT (SELECT COUNT(*) FROM answers), (SELECT SUM(answered) FROM member_stats), "
            "(SELECT COUNT(*) FROM answers WHERE correct = 1), "
            "(SELECT SUM(correct) FROM member_stats), "
            "(SELECT SUM(points) FROM level_stats) = (SELECT SUM(points) FROM member_stats)"
        ).fetchone()
        if not (answers == answered == ANSWERS and correct == counted_correct and levels_agree):
            raise RuntimeError("the generated tables disagree with the generated answers")
        conn.execute("PRAGMA journal_mode = WAL")
    return Dataset(
        path=path,
        guild_ids=[guild_id(g) for g in range(GUILDS)],
        sizes=sizes,
        first_member=first_member,
        answers=answers,
        period_rows=period_rows,
        build_s=perf_counter() - started,
    )


def _fill_guild(
    conn: sqlite3.Connection,
    rng: random.Random,
    g: int,
    members: range,
    counts: list[int],
    questions: list[Question],
    wrong: dict[str, list[int]],
    days: list[date],
    posted: list[datetime],
    periods: list[tuple[str, str]],
) -> int:
    gid = guild_id(g)
    chosen = rng.sample(questions, POSTS_PER_GUILD)  # a shuffle bag never repeats within 60
    base_post = g * POSTS_PER_GUILD + 1
    post_rows = []
    for i, q in enumerate(chosen):
        order = list(range(len(q.choices or [])))
        rng.shuffle(order)
        at = int(posted[i].timestamp())
        post_rows.append(
            (
                base_post + i, gid, PLATFORM, f"chan-{g}", f"msg-{base_post + i}", "daily", q.id,
                q.difficulty.value, ",".join(map(str, order)), None, days[i].isoformat(), i + 1,
                at, at + DAILY_REVEAL_S, at + DAILY_REVEAL_S,
            )
        )  # fmt: skip
    conn.execute(
        "INSERT INTO guilds (guild_id, platform, channel_id, post_time, timezone, "
        "daily_reveal_s, draw_reveal_s, difficulty, days, paused, last_revealed_seq) "
        "VALUES (?, ?, ?, '09:00', 'UTC', ?, 60, 'mixed', '0,1,2,3,4,5,6', 0, ?)",
        (gid, PLATFORM, f"chan-{g}", DAILY_REVEAL_S, POSTS_PER_GUILD),
    )
    conn.executemany(
        "INSERT INTO posts (post_id, guild_id, platform, channel_id, message_id, kind, "
        "question_id, difficulty, choice_order, owner_id, local_date, daily_seq, posted_at, "
        "reveal_at, revealed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        post_rows,
    )

    by_post: list[list[tuple[Any, ...]]] = [[] for _ in range(POSTS_PER_GUILD)]
    stats_rows = []
    level_rows: list[tuple[Any, ...]] = []
    period_points: dict[tuple[str, str], int] = defaultdict(int)
    for m in members:
        mid = member_id(m)
        name = f"Member {m}"
        skill = rng.uniform(0.25, 0.95)
        stats = MemberStats(gid, mid, name)
        for i in sorted(rng.sample(range(POSTS_PER_GUILD), counts[m])):
            q = chosen[i]
            correct = rng.random() < skill
            choice = q.correct_index if correct else rng.choice(wrong[q.id])
            at = post_rows[i][12] + rng.randrange(DAILY_REVEAL_S)
            by_post[i].append((base_post + i, mid, name, choice, None, at, int(correct)))
            scoring.apply_result(
                stats,
                correct=correct,
                difficulty=q.difficulty,
                kind=PostKind.DAILY,
                daily_seq=i + 1,
            )
            if correct:
                for key in periods[i]:
                    period_points[key, mid] += q.difficulty.points
        stats_rows.append(
            (gid, mid, name, stats.points, stats.answered, stats.correct, stats.streak,
             stats.best_streak, stats.streak_seq)
        )  # fmt: skip
        level_rows.extend(
            (gid, mid, level.value, ls.answered, ls.correct, ls.points)
            for level, ls in stats.by_level.items()
        )
    conn.executemany(
        "INSERT INTO answers (post_id, member_id, member_name, choice, text, answered_at, "
        "correct) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [row for rows in by_post for row in rows],
    )
    conn.executemany(
        "INSERT INTO member_stats (guild_id, member_id, name, points, answered, correct, "
        "streak, best_streak, streak_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        stats_rows,
    )
    conn.executemany(
        "INSERT INTO level_stats (guild_id, member_id, difficulty, answered, correct, points) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        level_rows,
    )
    conn.executemany(
        "INSERT INTO period_points (guild_id, period, member_id, points) VALUES (?, ?, ?, ?)",
        [(gid, period, mid, pts) for (period, mid), pts in sorted(period_points.items())],
    )
    return len(period_points)
