package network.noderr.controlplane.approvals;

/** Where a held request stands. Only {@code PENDING} changes; every other status is final. */
public enum ApprovalStatus {
    /** Waiting for a second person. */
    PENDING,
    /** Approved by a second person and executed. */
    APPROVED,
    /** Approved by a second person, but the action was refused when it ran (see the error); nothing changed. */
    FAILED,
    /** Refused by a second person, with a reason. */
    REJECTED,
    /** Withdrawn by the requester. */
    CANCELLED,
    /** Nobody decided before it expired. */
    EXPIRED
}
