-- How many nodes must back a breached limit (unhealthy updated nodes, or failed update attempts) before the
-- reconciler rolls a tier back by itself; a breach with fewer nodes behind it pauses the rollout for a person.
ALTER TABLE deployments ADD COLUMN min_sample INTEGER NOT NULL DEFAULT 3
    CONSTRAINT deployments_min_sample_range CHECK (min_sample BETWEEN 1 AND 1000000);
