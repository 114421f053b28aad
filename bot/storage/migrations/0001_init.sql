-- Times are UTC unix seconds. Guild and member ids are the platform's own ids as text.

CREATE TABLE guilds (
    guild_id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    channel_id TEXT,
    post_time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    daily_reveal_s INTEGER NOT NULL,
    draw_reveal_s INTEGER NOT NULL,
    difficulty TEXT NOT NULL,
    days TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    ping_role TEXT,
    last_error TEXT,
    last_error_at INTEGER,
    last_revealed_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE posts (
    post_id INTEGER PRIMARY KEY,
    guild_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('daily', 'draw', 'private')),
    question_id TEXT NOT NULL,
    difficulty TEXT NOT NULL,
    choice_order TEXT NOT NULL,
    owner_id TEXT,
    local_date TEXT,
    daily_seq INTEGER,
    posted_at INTEGER NOT NULL,
    reveal_at INTEGER NOT NULL,
    revealed_at INTEGER
);
-- At most one daily post per guild and local day, and one open public draw per channel:
-- the database enforces what a race between two handlers could otherwise break.
CREATE UNIQUE INDEX posts_one_daily_per_day ON posts (guild_id, local_date) WHERE kind = 'daily';
CREATE UNIQUE INDEX posts_one_open_draw ON posts (channel_id)
    WHERE kind = 'draw' AND revealed_at IS NULL;
CREATE INDEX posts_pending_reveal ON posts (platform, reveal_at) WHERE revealed_at IS NULL;

CREATE TABLE answers (
    post_id INTEGER NOT NULL REFERENCES posts (post_id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    member_name TEXT NOT NULL,
    choice INTEGER,
    text TEXT,
    answered_at INTEGER NOT NULL,
    correct INTEGER,
    self_graded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (post_id, member_id)
) WITHOUT ROWID;

-- Running totals, updated in the reveal's transaction, so that boards, ranks and
-- stats are index lookups rather than scans over answers.
CREATE TABLE member_stats (
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    name TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    streak INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    streak_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;
CREATE INDEX member_stats_points ON member_stats (guild_id, points DESC, member_id);
CREATE INDEX member_stats_streak ON member_stats (guild_id, streak_seq, streak DESC, member_id);

CREATE TABLE level_stats (
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    difficulty TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    points INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, member_id, difficulty)
) WITHOUT ROWID;

-- Points per calendar week / month in the guild's time zone ('2026-W48', '2026-11').
CREATE TABLE period_points (
    guild_id TEXT NOT NULL,
    period TEXT NOT NULL,
    member_id TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, period, member_id)
) WITHOUT ROWID;
CREATE INDEX period_points_rank ON period_points (guild_id, period, points DESC, member_id);

CREATE TABLE bags (
    guild_id TEXT NOT NULL,
    bag_key TEXT NOT NULL,
    remaining TEXT NOT NULL,
    last_drawn TEXT,
    PRIMARY KEY (guild_id, bag_key)
) WITHOUT ROWID;
