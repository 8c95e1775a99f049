-- The seed's node registry table (DESIGN §5): one row per node with its tier, versions, cohort and last health.
CREATE TABLE node_versions (
    id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    node_id           VARCHAR(255) NOT NULL UNIQUE,
    tier              VARCHAR(20)  NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    current_version   VARCHAR(50)  NOT NULL,
    target_version    VARCHAR(50),
    cohort            VARCHAR(20)  NOT NULL
        CHECK (cohort IN ('canary', 'cohort1', 'cohort2', 'cohort3', 'cohort4')),
    last_health_check TIMESTAMPTZ,
    health_status     VARCHAR(20) CHECK (health_status IN ('healthy', 'degraded', 'unhealthy')),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE INDEX idx_node_versions_tier ON node_versions (tier);
CREATE INDEX idx_node_versions_cohort ON node_versions (cohort);
CREATE INDEX idx_node_versions_health ON node_versions (health_status);
