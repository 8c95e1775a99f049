-- The version the tier ran when a rollout started: what an automatic rollback of it returns to and what the tier runs
-- while it rolls out or after it was aborted. Recorded at the start: the emergency rollback's target then in force,
-- else the last completed rollout's version, else what the tier's last (aborted or rolled back) rollout started from;
-- null for a tier's first release. Rollouts from before this column have from_recorded = false and fall back to the
-- release published before theirs.
ALTER TABLE deployments
    ADD COLUMN from_version VARCHAR(50),
    ADD COLUMN from_recorded BOOLEAN NOT NULL DEFAULT false;
