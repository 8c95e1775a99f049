-- Two-person rule: per tier, publishing a release and an emergency rollback wait for a second, different
-- RELEASE_MANAGER or ADMIN to approve them. GUARDIAN has it on by default.
CREATE TABLE two_person_rules (
    tier       VARCHAR(20) PRIMARY KEY CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    enabled    BOOLEAN     NOT NULL,
    updated_by VARCHAR(64),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO two_person_rules (tier, enabled) VALUES ('ALL', false), ('ORACLE', false), ('GUARDIAN', true);

-- One row per held request, with its validated payload. PUBLISH: version_string, image_ref, image_digest,
-- config_hash. EMERGENCY_ROLLBACK: version_string is the target, reason is why.
-- PENDING -> APPROVED (executed) | FAILED (approved, the action was refused) | REJECTED | CANCELLED | EXPIRED.
CREATE TABLE approvals (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            VARCHAR(20)   NOT NULL CHECK (kind IN ('PUBLISH', 'EMERGENCY_ROLLBACK')),
    tier            VARCHAR(20)   NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    version_string  VARCHAR(50)   NOT NULL,
    image_ref       VARCHAR(512),
    image_digest    VARCHAR(71),
    config_hash     VARCHAR(66),
    reason          VARCHAR(1000),
    status          VARCHAR(10)   NOT NULL
        CHECK (status IN ('PENDING', 'APPROVED', 'FAILED', 'REJECTED', 'CANCELLED', 'EXPIRED')),
    requested_by    VARCHAR(64)   NOT NULL,
    requested_at    TIMESTAMPTZ   NOT NULL,
    expires_at      TIMESTAMPTZ   NOT NULL,
    decided_by      VARCHAR(64),
    decided_at      TIMESTAMPTZ,
    decision_reason VARCHAR(1000),
    result          VARCHAR(1000),
    error           VARCHAR(1000),
    CHECK (kind <> 'PUBLISH' OR (image_ref IS NOT NULL AND image_digest IS NOT NULL AND config_hash IS NOT NULL)),
    CHECK (kind <> 'EMERGENCY_ROLLBACK' OR reason IS NOT NULL),
    -- the database refuses a self-approval too
    CHECK (status NOT IN ('APPROVED', 'FAILED', 'REJECTED')
        OR (decided_by IS NOT NULL AND lower(decided_by) <> lower(requested_by)))
);
-- At most one request waiting per tier and kind.
CREATE UNIQUE INDEX ux_approvals_one_pending ON approvals (tier, kind) WHERE status = 'PENDING';
CREATE INDEX idx_approvals_requested_at ON approvals (requested_at DESC);
