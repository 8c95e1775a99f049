-- When each user last logged in to the dashboard (shown on the Users screen; API token use is tracked per token).
ALTER TABLE users ADD COLUMN last_login_at TIMESTAMPTZ;
