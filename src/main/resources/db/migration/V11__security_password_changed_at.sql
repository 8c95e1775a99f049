-- When each user's password last changed: dashboard sessions logged in before it end at their next request
-- (a reset by an admin ends all of them; changing your own password keeps only the session that changed it).
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMPTZ;
