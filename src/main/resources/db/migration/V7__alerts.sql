-- Alerts from Alertmanager (source 'alertmanager', keyed by its fingerprint and start) and from the engine itself.
CREATE TABLE alerts (
    id               UUID PRIMARY KEY,
    source           VARCHAR(20)  NOT NULL CHECK (source IN ('alertmanager', 'engine')),
    fingerprint      VARCHAR(64)  NOT NULL,
    name             VARCHAR(200) NOT NULL,
    severity         VARCHAR(20)  NOT NULL,
    status           VARCHAR(10)  NOT NULL CHECK (status IN ('firing', 'resolved')),
    node_id          VARCHAR(64),
    tier             VARCHAR(20),
    summary          TEXT,
    labels           JSONB        NOT NULL,
    annotations      JSONB        NOT NULL,
    starts_at        TIMESTAMPTZ  NOT NULL,
    ends_at          TIMESTAMPTZ,
    first_received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_received_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    acknowledged_by  VARCHAR(100),
    acknowledged_at  TIMESTAMPTZ,
    UNIQUE (source, fingerprint, starts_at)
);
CREATE INDEX idx_alerts_status ON alerts (status, last_received_at DESC);
CREATE INDEX idx_alerts_node ON alerts (node_id, starts_at DESC) WHERE node_id IS NOT NULL;
