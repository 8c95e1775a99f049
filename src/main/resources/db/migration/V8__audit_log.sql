-- Every admin and automation action: who, what, target, when, from where, outcome. Append-only: the application
-- has no update or delete path, and the database refuses them too.
CREATE TABLE audit_log (
    id             BIGSERIAL PRIMARY KEY,
    at             TIMESTAMPTZ  NOT NULL DEFAULT now(),
    actor          VARCHAR(100) NOT NULL,
    actor_kind     VARCHAR(10)  NOT NULL CHECK (actor_kind IN ('user', 'automation')),
    action         VARCHAR(200) NOT NULL,
    target         VARCHAR(300),
    outcome        VARCHAR(10)  NOT NULL CHECK (outcome IN ('success', 'refused', 'failed')),
    status         INTEGER,
    source_address VARCHAR(45),
    detail         VARCHAR(2000)
);
CREATE INDEX idx_audit_log_at ON audit_log (at DESC);
CREATE INDEX idx_audit_log_actor ON audit_log (actor, at DESC);
CREATE INDEX idx_audit_log_target ON audit_log (target, at DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
