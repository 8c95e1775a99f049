package network.noderr.controlplane.approvals;

/**
 * Runs one kind of held action; implemented by the feature that owns it (beacon: publish, rollouts: emergency
 * rollback). Both methods refuse with the same problems the direct call would.
 */
public interface ApprovedAction {

    ApprovalKind kind();

    /**
     * Refuses, when the request is filed, what could not run as things stand (a version already released, no
     * earlier version to roll back to, ...), so that nobody is asked to approve something doomed.
     */
    void check(ApprovalRequest request);

    /**
     * Runs the action as it would have run without the rule.
     *
     * @param actor who it is recorded as (the requester, with the approver when it fits)
     * @return a short description of what happened, for the approval's result
     */
    String execute(ApprovalRequest request, String actor);
}
