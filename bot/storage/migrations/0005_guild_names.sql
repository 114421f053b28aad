-- A guild's (or workspace's) display name as the platform last told it, so that
-- `quizbot guilds` can say which server an id is. NULL until the bot learns it; the
-- engine cleans and clips it before it is stored.
ALTER TABLE guilds ADD COLUMN name TEXT;
