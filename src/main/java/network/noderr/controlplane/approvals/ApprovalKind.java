package network.noderr.controlplane.approvals;

/** What a held request does once approved. */
public enum ApprovalKind {
    /** Publish a release on-chain (its rollout starts once it is confirmed). */
    PUBLISH,
    /** Roll a tier back to an earlier released version, on-chain and in the engine. */
    EMERGENCY_ROLLBACK
}
