-- Releases per tier, rollouts (the seed's deployments table), emergency rollbacks, update and health reports.

-- A node's bucket (keccak256 mod 100) never changes; its cohort follows from the bucket and the tier's config.
ALTER TABLE node_versions ALTER COLUMN current_version DROP NOT NULL;
ALTER TABLE node_versions ADD COLUMN bucket SMALLINT CHECK (bucket BETWEEN 0 AND 99);

CREATE TABLE releases (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tier           VARCHAR(20)  NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    version_id     BIGINT,
    version_string VARCHAR(50)  NOT NULL,
    image_ref      VARCHAR(512) NOT NULL,
    image_digest   VARCHAR(71)  NOT NULL CHECK (image_digest ~ '^sha256:[0-9a-f]{64}$'),
    config_hash    VARCHAR(66)  NOT NULL,
    created_by     VARCHAR(64)  NOT NULL,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (tier, version_string)
);

CREATE TABLE deployments (
    id                     UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    release_id             UUID         NOT NULL REFERENCES releases (id),
    version_id             BIGINT,
    version_string         VARCHAR(50)  NOT NULL,
    docker_image_tag       VARCHAR(512) NOT NULL,
    tier                   VARCHAR(20)  NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    status                 VARCHAR(20)  NOT NULL
        CHECK (status IN ('pending', 'active', 'paused', 'completed', 'rolled_back', 'aborted')),
    canary_percentage      INTEGER      NOT NULL,
    cohort_percentage      INTEGER      NOT NULL,
    cohort_delay_hours     INTEGER      NOT NULL,
    max_unhealthy_ratio    DOUBLE PRECISION NOT NULL,
    max_error_rate         DOUBLE PRECISION NOT NULL,
    gate_min_updated_ratio DOUBLE PRECISION NOT NULL,
    elapsed_before_resume_ms BIGINT     NOT NULL DEFAULT 0,
    resumed_at             TIMESTAMPTZ,
    activated_through      INTEGER      NOT NULL DEFAULT -1,
    reason                 VARCHAR(1000),
    rollback_reason        VARCHAR(1000),
    revision               INTEGER      NOT NULL DEFAULT 0,
    started_at             TIMESTAMPTZ,
    completed_at           TIMESTAMPTZ,
    created_at             TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ  NOT NULL DEFAULT now()
);
-- At most one unfinished rollout per tier.
CREATE UNIQUE INDEX ux_deployments_open_per_tier ON deployments (tier) WHERE status IN ('pending', 'active', 'paused');
CREATE INDEX idx_deployments_tier_created ON deployments (tier, created_at DESC);

CREATE TABLE deployment_events (
    id            BIGSERIAL PRIMARY KEY,
    deployment_id UUID         NOT NULL REFERENCES deployments (id),
    event         VARCHAR(1000) NOT NULL,
    actor         VARCHAR(64)  NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX idx_deployment_events_deployment ON deployment_events (deployment_id, id);

-- An emergency rollback in force for a tier: every node not on target_version updates at emergency priority.
CREATE TABLE tier_emergencies (
    tier           VARCHAR(20) PRIMARY KEY CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    target_version VARCHAR(50)  NOT NULL,
    reason         VARCHAR(1000) NOT NULL,
    created_by     VARCHAR(64)  NOT NULL,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE update_reports (
    id            BIGSERIAL PRIMARY KEY,
    node_id       VARCHAR(64)  NOT NULL,
    tier          VARCHAR(20)  NOT NULL,
    cohort        VARCHAR(20),
    deployment_id UUID,
    from_version  VARCHAR(50),
    to_version    VARCHAR(50)  NOT NULL,
    result        VARCHAR(20)  NOT NULL CHECK (result IN ('SUCCEEDED', 'ROLLED_BACK', 'FAILED')),
    duration_ms   BIGINT       NOT NULL,
    reason        VARCHAR(1000),
    reported_at   TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX idx_update_reports_deployment ON update_reports (deployment_id, cohort);
CREATE INDEX idx_update_reports_node ON update_reports (node_id, reported_at DESC);

-- Time series; kept 30 days by the retention job (noderr.health.retention).
CREATE TABLE health_reports (
    id           BIGSERIAL PRIMARY KEY,
    node_id      VARCHAR(64) NOT NULL,
    version      VARCHAR(50) NOT NULL,
    uptime       BIGINT      NOT NULL,
    cpu_usage    DECIMAL(5, 2),
    memory_usage DECIMAL(5, 2),
    disk_usage   DECIMAL(5, 2),
    error_count  INTEGER     NOT NULL,
    reported_at  TIMESTAMPTZ NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_health_reports_node ON health_reports (node_id, reported_at DESC);
CREATE INDEX idx_health_reports_reported ON health_reports USING brin (reported_at);

-- ShedLock: one replica runs each scheduled job at a time.
CREATE TABLE shedlock (
    name       VARCHAR(64)  PRIMARY KEY,
    lock_until TIMESTAMPTZ  NOT NULL,
    locked_at  TIMESTAMPTZ  NOT NULL,
    locked_by  VARCHAR(255) NOT NULL
);
