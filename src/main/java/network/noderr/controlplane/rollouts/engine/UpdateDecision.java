package network.noderr.controlplane.rollouts.engine;

import org.jspecify.annotations.Nullable;

/**
 * What a node should run (DESIGN §4 {@code shouldUpdate}).
 *
 * @param targetVersion the version the node should run, or null when the tier has none (after an aborted rollout,
 *     the version the node runs: it stays there)
 */
public record UpdateDecision(@Nullable String targetVersion, boolean shouldUpdate, UpdatePriority priority) {

    /**
     * @param rollout the tier's current rollout, or null
     * @param emergencyTarget the version of an emergency rollback in force for the tier, or null
     */
    public static UpdateDecision decide(
            Cohort cohort, @Nullable String currentVersion, @Nullable Rollout rollout, @Nullable String emergencyTarget) {
        if (emergencyTarget != null) {
            return new UpdateDecision(emergencyTarget, !emergencyTarget.equals(currentVersion),
                    UpdatePriority.EMERGENCY);
        }
        if (rollout == null) {
            return new UpdateDecision(null, false, UpdatePriority.NORMAL);
        }
        if (rollout.status() == RolloutStatus.ABORTED) {
            // Final: no node is ever moved to the aborted release, so each node's target is what it runs (the nodes
            // that updated before the abort keep running the release).
            return new UpdateDecision(currentVersion, false, UpdatePriority.NORMAL);
        }
        boolean moving = (rollout.status() == RolloutStatus.ACTIVE || rollout.status() == RolloutStatus.COMPLETED)
                && rollout.isCohortActive(cohort);
        return new UpdateDecision(rollout.targetVersion(), moving && !rollout.targetVersion().equals(currentVersion),
                UpdatePriority.NORMAL);
    }
}
