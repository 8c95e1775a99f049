package network.noderr.controlplane.rollouts;

import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;

/**
 * The reconciler rolled a rollout back on its own (a cohort crossed the rollback thresholds). Published inside the
 * transaction that made the change, so listeners' writes (the alert) commit with it.
 *
 * @param toVersion the earlier release the tier returns to, if there is one
 */
public record AutomaticRollback(Tier tier, String version, @Nullable String toVersion, String reason) {}
