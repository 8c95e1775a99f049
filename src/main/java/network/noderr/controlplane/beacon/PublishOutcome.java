package network.noderr.controlplane.beacon;

import network.noderr.controlplane.approvals.ApprovalView;
import org.jspecify.annotations.Nullable;

/**
 * What a publish did: sent ({@code transaction}), or held for a second approver ({@code approval}, PENDING) when
 * the tier's two-person rule is on. Exactly one of them is set.
 */
public record PublishOutcome(@Nullable SubmittedTransaction transaction, @Nullable ApprovalView approval) {}
