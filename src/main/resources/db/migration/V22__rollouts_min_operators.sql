-- How many distinct operators (a node's application; a node without one is an operator of its own) the nodes
-- backing a breached limit must belong to before the reconciler rolls a tier back by itself; a breach backed by
-- nodes of fewer operators pauses the rollout for a person. Existing rollouts keep rolling back on any operator's
-- nodes (1); new ones start with noderr.rollouts.thresholds.min-operators.
ALTER TABLE deployments ADD COLUMN min_operators INTEGER NOT NULL DEFAULT 1
    CONSTRAINT deployments_min_operators_range CHECK (min_operators BETWEEN 1 AND 1000000);
