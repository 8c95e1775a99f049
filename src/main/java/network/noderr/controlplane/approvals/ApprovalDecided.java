package network.noderr.controlplane.approvals;

/**
 * Published when a held request is settled without a direct call recording it: approved and executed (APPROVED or
 * FAILED, with both people) or EXPIRED. The audit log records it.
 */
public record ApprovalDecided(ApprovalView approval) {}
