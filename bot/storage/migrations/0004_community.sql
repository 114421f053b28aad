-- Community features: suggestions, the weekly recap, discussion threads and role rewards.
-- Every feature is off until an admin turns it on, so a guild without a row has none.

CREATE TABLE community_settings (
    guild_id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    review_channel_id TEXT,
    recap_on INTEGER NOT NULL DEFAULT 0,
    recap_day INTEGER NOT NULL DEFAULT 0,
    recap_time TEXT,
    threads_on INTEGER NOT NULL DEFAULT 0,
    streak_role_id TEXT,
    streak_length INTEGER,
    monthly_role_id TEXT,
    monthly_done TEXT
) WITHOUT ROWID;

-- A member's question: pending until a reviewer approves (then served in the guild) or
-- rejects it. The question is stored as the validated pack fields, in JSON.
CREATE TABLE suggestions (
    suggestion_id INTEGER PRIMARY KEY,
    guild_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    question TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    review_channel_id TEXT,
    review_message_id TEXT,
    reviewer_name TEXT,
    reviewed_at INTEGER
);
CREATE INDEX suggestions_by_author ON suggestions (guild_id, author_id, status);
CREATE INDEX suggestions_by_status ON suggestions (platform, status, guild_id);

-- One recap per guild and week, claimed before it is posted.
CREATE TABLE recaps (
    guild_id TEXT NOT NULL,
    week TEXT NOT NULL,
    posted_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, week)
) WITHOUT ROWID;

-- Who holds a reward role because of us, so that it can be taken back.
CREATE TABLE reward_holders (
    guild_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('streak', 'monthly')),
    member_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (guild_id, kind, member_id)
) WITHOUT ROWID;

-- Role changes still to make on the platform, retried with backoff until done.
CREATE TABLE role_changes (
    change_id INTEGER PRIMARY KEY,
    guild_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    member_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    add_role INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at INTEGER NOT NULL,
    last_error TEXT,
    done_at INTEGER
);
CREATE INDEX role_changes_due ON role_changes (platform, next_try_at) WHERE done_at IS NULL;

-- The recap's windows and a member's answer calendar read answers by time and by member.
CREATE INDEX posts_by_guild_time ON posts (guild_id, posted_at);
CREATE INDEX answers_by_member ON answers (member_id, post_id);
