-- Fair play and the learning loop: spaced-review cards, streak savers, reminders,
-- moderation and the audit log. Kept in tables of their own so that each store adds
-- them without touching the tables of 0001. Times are UTC unix seconds.

-- Switches an admin turns per guild for these features.
CREATE TABLE guild_rules (
    guild_id TEXT PRIMARY KEY,
    selfgrade_scores INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- One FSRS card per member and question: the scheduler's state as JSON, the due time
-- apart for the index, and running counts of graded answers (for the weakest topics).
CREATE TABLE review_cards (
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    card TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    reviewed_at INTEGER NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, member_id, question_id)
) WITHOUT ROWID;
CREATE INDEX review_cards_due ON review_cards (guild_id, member_id, due_at);

-- A row means the member asked for a daily reminder when reviews are due.
CREATE TABLE review_reminders (
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    last_sent_at INTEGER,
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;

-- Streak savers held, the run of correct dailies toward the next one, and the last use.
CREATE TABLE streak_savers (
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    held INTEGER NOT NULL DEFAULT 0,
    run INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER,
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;

-- Members an admin keeps out of scoring and boards until included again.
CREATE TABLE excluded_members (
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    excluded_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;

-- Every admin action: who, what, when.
CREATE TABLE audit_log (
    audit_id INTEGER PRIMARY KEY,
    guild_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_id TEXT,
    detail TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX audit_log_recent ON audit_log (guild_id, audit_id);
