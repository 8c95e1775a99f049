-- The API token a token was created with (null: created from the dashboard, by an admin, or supplied at bootstrap).
-- Revoking a token revokes the tokens created with it, and theirs.
ALTER TABLE api_tokens ADD COLUMN parent_id UUID REFERENCES api_tokens (id) ON DELETE CASCADE;
CREATE INDEX idx_api_tokens_parent ON api_tokens (parent_id) WHERE parent_id IS NOT NULL;
