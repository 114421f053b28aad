-- The week and month boards list every member graded in the period, those who scored
-- nothing with 0 points; until now only members with points had a row there. Rows for
-- the answers graded before this version (on posts that remember their week and month).
INSERT OR IGNORE INTO period_points (guild_id, period, member_id, points)
SELECT DISTINCT p.guild_id, p.week_key, a.member_id, 0
FROM answers AS a JOIN posts AS p ON p.post_id = a.post_id
WHERE p.kind <> 'private' AND a.correct IS NOT NULL AND p.week_key IS NOT NULL;

INSERT OR IGNORE INTO period_points (guild_id, period, member_id, points)
SELECT DISTINCT p.guild_id, p.month_key, a.member_id, 0
FROM answers AS a JOIN posts AS p ON p.post_id = a.post_id
WHERE p.kind <> 'private' AND a.correct IS NOT NULL AND p.month_key IS NOT NULL;
