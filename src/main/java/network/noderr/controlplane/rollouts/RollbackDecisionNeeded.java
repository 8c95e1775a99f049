package network.noderr.controlplane.rollouts;

import network.noderr.controlplane.shared.Tier;

/**
 * The reconciler paused a rollout instead of rolling it back: a cohort is over a limit, but fewer nodes than the
 * rollout's minimum sample, or nodes of fewer operators than its minimum, back the breach, so a person decides.
 * Published inside the transaction that made the change, so listeners' writes (the alert) commit with it.
 */
public record RollbackDecisionNeeded(Tier tier, String version, String reason) {}
