-- Operator applications, single-use install tokens (hashes only), registered nodes with their public keys,
-- authentication challenges, and the control plane's JWT signing keys.
CREATE TABLE applications (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_name   VARCHAR(200) NOT NULL,
    email           VARCHAR(254) NOT NULL,
    wallet_address  VARCHAR(42)  NOT NULL,
    requested_tier  VARCHAR(20)  NOT NULL CHECK (requested_tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    cpu_cores       INTEGER      NOT NULL,
    memory_gb       INTEGER      NOT NULL,
    disk_gb         INTEGER      NOT NULL,
    network_mbps    INTEGER      NOT NULL,
    gpu             BOOLEAN      NOT NULL,
    message         VARCHAR(2000),
    status          VARCHAR(20)  NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
    decision_reason VARCHAR(1000),
    decided_by      VARCHAR(64),
    decided_at      TIMESTAMPTZ,
    source_address  VARCHAR(64),
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX idx_applications_status_created ON applications (status, created_at);

CREATE TABLE install_tokens (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id UUID        NOT NULL REFERENCES applications (id),
    token_hash     CHAR(64)    NOT NULL UNIQUE,
    tier           VARCHAR(20) NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    created_by     VARCHAR(64) NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL,
    used_at        TIMESTAMPTZ,
    used_by_node   VARCHAR(64),
    revoked_at     TIMESTAMPTZ
);
CREATE INDEX idx_install_tokens_application ON install_tokens (application_id);

CREATE TABLE nodes (
    node_id               VARCHAR(64) PRIMARY KEY,
    tier                  VARCHAR(20) NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    application_id        UUID REFERENCES applications (id),
    hostname              VARCHAR(255) NOT NULL,
    cpu_cores             INTEGER,
    memory_gb             INTEGER,
    disk_gb               INTEGER,
    network_mbps          INTEGER,
    gpu                   BOOLEAN,
    public_key            BYTEA       NOT NULL UNIQUE,
    key_type              VARCHAR(10) NOT NULL CHECK (key_type IN ('TPM2', 'SOFTWARE')),
    status                VARCHAR(20) NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED')),
    registered_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    key_rotated_at        TIMESTAMPTZ,
    last_authenticated_at TIMESTAMPTZ
);
CREATE INDEX idx_nodes_tier ON nodes (tier);
CREATE INDEX idx_nodes_status ON nodes (status);
CREATE INDEX idx_nodes_registered ON nodes (registered_at);

CREATE TABLE node_challenges (
    nonce_hash CHAR(64) PRIMARY KEY,
    node_id    VARCHAR(64) NOT NULL REFERENCES nodes (node_id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX idx_node_challenges_expires ON node_challenges (expires_at);

CREATE TABLE jwt_signing_keys (
    kid        VARCHAR(64) PRIMARY KEY,
    jwk        TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    retired_at TIMESTAMPTZ
);
