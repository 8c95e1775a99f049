-- The Audit screen and API match the actor ignoring case (usernames are case-insensitive), newest first by id.
DROP INDEX IF EXISTS idx_audit_log_actor;
CREATE INDEX idx_audit_log_actor_lower ON audit_log (lower(actor), id DESC);
