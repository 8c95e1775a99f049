-- A finished rollout's cohort counts as they were when it finished (completed, rolled back or aborted), so its card
-- shows its own result, not today's registry, and listing the history runs no aggregate over the nodes. Rollouts
-- that finished before this column existed have none: they are shown without counts.
ALTER TABLE deployments ADD COLUMN final_counts JSONB;

-- After a person resumes a rollout, until this instant a closed cohort gate holds the next cohort back instead of
-- pausing the rollout again, so the previous cohort's stragglers can update.
ALTER TABLE deployments ADD COLUMN gate_hold_until TIMESTAMPTZ;

-- The history is paged newest first by (created_at, id).
CREATE INDEX idx_deployments_created_id ON deployments (created_at DESC, id DESC);
