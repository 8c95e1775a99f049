package network.noderr.controlplane.rollouts;

import network.noderr.controlplane.approvals.ApprovalView;
import org.jspecify.annotations.Nullable;

/**
 * What an emergency rollback did: done ({@code rollout}, now rolled back), or held for a second approver
 * ({@code approval}, PENDING) when the tier's two-person rule is on. Exactly one of them is set.
 */
public record RollbackOutcome(@Nullable RolloutView rollout, @Nullable ApprovalView approval) {}
