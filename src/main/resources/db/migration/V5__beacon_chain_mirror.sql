-- VersionBeacon: the control plane's mirror of the chain (indexed events, versions, per-tier state), the indexer's
-- cursor, and the transactions the control plane sent. Rows are keyed by chain id + contract address so that a
-- redeployed contract (a new local chain) never mixes with an older one.

CREATE TABLE beacon_cursor (
    chain_id         BIGINT      NOT NULL,
    contract_address VARCHAR(42) NOT NULL,
    last_block       BIGINT      NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, contract_address)
);

-- One row per log, inserted at most once: re-indexing a block range duplicates nothing.
CREATE TABLE beacon_events (
    id               BIGSERIAL PRIMARY KEY,
    chain_id         BIGINT       NOT NULL,
    contract_address VARCHAR(42)  NOT NULL,
    block_number     BIGINT       NOT NULL,
    log_index        INTEGER      NOT NULL,
    block_hash       VARCHAR(66)  NOT NULL,
    tx_hash          VARCHAR(66)  NOT NULL,
    event            VARCHAR(40)  NOT NULL,
    tier             VARCHAR(20),
    version_id       BIGINT,
    detail           VARCHAR(2000) NOT NULL,
    indexed_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (chain_id, contract_address, block_number, log_index)
);
CREATE INDEX idx_beacon_events_tier ON beacon_events (tier, block_number DESC);

CREATE TABLE beacon_versions (
    chain_id         BIGINT       NOT NULL,
    contract_address VARCHAR(42)  NOT NULL,
    tier             VARCHAR(20)  NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    version_id       BIGINT       NOT NULL,
    version_string   VARCHAR(50)  NOT NULL,
    image_ref        VARCHAR(512) NOT NULL,
    image_digest     VARCHAR(71)  NOT NULL,
    config_hash      VARCHAR(66)  NOT NULL,
    published_at     TIMESTAMPTZ  NOT NULL,
    publisher        VARCHAR(42)  NOT NULL,
    tx_hash          VARCHAR(66)  NOT NULL,
    block_number     BIGINT       NOT NULL,
    PRIMARY KEY (chain_id, contract_address, tier, version_id)
);

CREATE TABLE beacon_tiers (
    chain_id           BIGINT      NOT NULL,
    contract_address   VARCHAR(42) NOT NULL,
    tier               VARCHAR(20) NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    current_version_id BIGINT,
    canary_percentage  INTEGER     NOT NULL DEFAULT 5,
    cohort_percentage  INTEGER     NOT NULL DEFAULT 25,
    cohort_delay_hours INTEGER     NOT NULL DEFAULT 24,
    updated_block      BIGINT      NOT NULL,
    PRIMARY KEY (chain_id, contract_address, tier)
);

-- Writes the control plane sends. queued = waiting to be sent (automatic rollbacks wait for the chain instead of
-- failing); pending = sent, not yet mined; confirmed = mined and indexed; failed = reverted, dropped or refused.
CREATE TABLE beacon_transactions (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    chain_id         BIGINT       NOT NULL,
    contract_address VARCHAR(42)  NOT NULL,
    kind             VARCHAR(20)  NOT NULL CHECK (kind IN ('PUBLISH', 'ROLLBACK', 'ROLLOUT_CONFIG')),
    tier             VARCHAR(20)  NOT NULL CHECK (tier IN ('ALL', 'ORACLE', 'GUARDIAN')),
    version_string   VARCHAR(50),
    image_ref        VARCHAR(512),
    image_digest     VARCHAR(71),
    config_hash      VARCHAR(66),
    reason           VARCHAR(1000),
    status           VARCHAR(20)  NOT NULL CHECK (status IN ('queued', 'pending', 'confirmed', 'failed')),
    tx_hash          VARCHAR(66)  UNIQUE,
    block_number     BIGINT,
    error            VARCHAR(1000),
    attempts         INTEGER      NOT NULL DEFAULT 0,
    created_by       VARCHAR(64)  NOT NULL,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX idx_beacon_transactions_open ON beacon_transactions (status) WHERE status IN ('queued', 'pending');
CREATE INDEX idx_beacon_transactions_tier ON beacon_transactions (tier, created_at DESC);

ALTER TABLE releases ADD COLUMN tx_hash VARCHAR(66);
ALTER TABLE releases ADD COLUMN block_number BIGINT;
