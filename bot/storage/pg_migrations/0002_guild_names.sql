-- SQLite's migration 0005: a guild's (or workspace's) display name as the platform last
-- told it, for `quizbot guilds`. NULL until the bot learns it; cleaned and clipped first.
ALTER TABLE guilds ADD COLUMN name TEXT;
