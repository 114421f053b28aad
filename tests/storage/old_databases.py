"""Rows as an older quizbot left them, for the upgrade tests of both stores."""

from __future__ import annotations

# A draw revealed before members who scored nothing had a row in period_points: Ann right,
# Ben wrong, Cy's open answer never graded; Dee's practice answer counts in no period.
OLD_ANSWERS = (
    "INSERT INTO guilds (guild_id, platform, post_time, timezone, daily_reveal_s, "
    "draw_reveal_s, difficulty, days) VALUES ('g', 'discord', '09:00', 'UTC', 28800, 60, "
    "'mixed', '0,1,2,3,4,5,6');"
    "INSERT INTO posts (post_id, guild_id, platform, channel_id, kind, question_id, "
    "difficulty, choice_order, posted_at, reveal_at, revealed_at, week_key, month_key) VALUES "
    "(1, 'g', 'discord', 'c', 'draw', 'q', 'mid', '0,1', 100, 160, 160, '2026-W48', '2026-11'),"
    "(2, 'g', 'discord', 'c', 'private', 'q', 'mid', '0,1', 100, 160, 160, '2026-W48', '2026-11');"
    "INSERT INTO answers (post_id, member_id, member_name, choice, answered_at, correct) VALUES "
    "(1, 'ann', 'Ann', 0, 110, {true}), (1, 'ben', 'Ben', 1, 120, {false}), "
    "(1, 'cy', 'Cy', NULL, 130, NULL), (2, 'dee', 'Dee', 0, 110, {true});"
    "INSERT INTO member_stats (guild_id, member_id, name, points, answered, correct) VALUES "
    "('g', 'ann', 'Ann', 3, 1, 1), ('g', 'ben', 'Ben', 0, 1, 0), ('g', 'cy', 'Cy', 0, 0, 0), "
    "('g', 'dee', 'Dee', 0, 0, 0);"
    "INSERT INTO period_points (guild_id, period, member_id, points) VALUES "
    "('g', '2026-W48', 'ann', 3), ('g', '2026-11', 'ann', 3);"
)
BOARD_AFTER = [("ann", "Ann", 3), ("ben", "Ben", 0)]
