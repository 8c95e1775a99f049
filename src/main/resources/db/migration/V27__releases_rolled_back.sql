-- A release an emergency rollback took its tier back from: every release of the tier newer than the rollback's
-- target and published before it. Kept for good: tier_emergencies holds only the rollback in force, which the next
-- release clears, and with it the knowledge that these releases were withdrawn (a later rollback could move the
-- tier to one of them, and a completed rollout rolled back later read "complete" again). The first rollback that
-- withdrew a release is the one recorded.
ALTER TABLE releases
    ADD COLUMN rolled_back_to     VARCHAR(50),
    ADD COLUMN rolled_back_by     VARCHAR(64),
    ADD COLUMN rolled_back_reason VARCHAR(1000),
    ADD COLUMN rolled_back_at     TIMESTAMPTZ;

UPDATE releases r
SET rolled_back_to = e.target_version, rolled_back_by = e.created_by, rolled_back_reason = e.reason,
    rolled_back_at = e.created_at
FROM tier_emergencies e
JOIN releases t ON t.tier = e.tier AND t.version_string = e.target_version
WHERE r.tier = e.tier AND r.created_at > t.created_at AND r.created_at <= e.created_at;
