-- When the control plane has been taking health reports without a break. Every replica beats here every few seconds;
-- a beat after a gap (every replica or the database was down) starts a new period. Until a period is as long as the
-- silence window, no node counts as silent: silence the control plane could not have heard is not the node's.
CREATE TABLE health_reporting_heartbeat (
    id              SMALLINT    PRIMARY KEY CHECK (id = 1),
    available_since TIMESTAMPTZ NOT NULL,
    last_beat       TIMESTAMPTZ NOT NULL
);
