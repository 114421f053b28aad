-- Durable delivery (a transactional outbox) and a schedule kept in the database.

-- Every platform effect that follows a state change (post a daily, edit a post into its
-- reveal; later role changes and threads) is a row here, written in the same transaction
-- as the change, and performed by the delivery worker until done.
CREATE TABLE deliveries (
    delivery_id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    post_id INTEGER,
    kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    -- A daily that cannot reach its channel by the end of its local day is given up.
    expires_at INTEGER,
    -- A worker (or an adapter delivering inline) holds the row until claimed_until.
    claimed_by TEXT,
    claimed_until INTEGER,
    last_error TEXT,
    finished_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries (platform, due_at) WHERE status = 'pending';
CREATE INDEX deliveries_of_post ON deliveries (post_id, kind);

-- A post remembers what it was posted as, so that later setting changes cannot move it:
-- the week and month its points count in (in the guild's zone at posting), when it
-- reached its channel (a post nobody saw is never revealed), and whether it was given up.
ALTER TABLE posts ADD COLUMN week_key TEXT;
ALTER TABLE posts ADD COLUMN month_key TEXT;
ALTER TABLE posts ADD COLUMN delivered_at INTEGER;
ALTER TABLE posts ADD COLUMN voided_at INTEGER;
UPDATE posts SET delivered_at = posted_at WHERE message_id IS NOT NULL OR kind = 'private';
-- Dailies are numbered when they are revealed, so that one never shown leaves no gap in
-- the streak sequence; open ones get their number at their reveal.
UPDATE posts SET daily_seq = NULL WHERE revealed_at IS NULL;
-- "One daily per local day" is checked on instants in the guild's current zone inside the
-- single writer; a label index would refuse a legitimate post after a zone change.
DROP INDEX posts_one_daily_per_day;
CREATE INDEX posts_daily_by_time ON posts (guild_id, posted_at) WHERE kind = 'daily';
CREATE INDEX posts_due_reveal ON posts (platform, reveal_at)
    WHERE revealed_at IS NULL AND delivered_at IS NOT NULL;

-- When a self-grade was given: it moves a streak only if it came before the next daily's reveal.
ALTER TABLE answers ADD COLUMN graded_at INTEGER;

-- The next daily slot (UTC) of each guild; NULL when nothing is scheduled. One ticker asks
-- for the guilds due instead of one scheduler job per guild. 0 means "work it out at the
-- next tick", which upgraded databases get so that a missed daily is still caught up.
ALTER TABLE guilds ADD COLUMN next_due_at INTEGER;
UPDATE guilds SET next_due_at = 0 WHERE channel_id IS NOT NULL AND paused = 0;
CREATE INDEX guilds_due ON guilds (platform, next_due_at) WHERE next_due_at IS NOT NULL;

-- Posts left unsent by the previous version are delivered (or found, or given up) now.
INSERT INTO deliveries (platform, guild_id, post_id, kind, attempts, created_at, due_at)
SELECT platform, guild_id, post_id, 'post', 1, posted_at, posted_at FROM posts
WHERE revealed_at IS NULL AND message_id IS NULL AND kind IN ('daily', 'draw');
