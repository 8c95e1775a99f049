package network.noderr.controlplane.rollouts;

import java.util.Objects;
import network.noderr.controlplane.approvals.ApprovalKind;
import network.noderr.controlplane.approvals.ApprovalRequest;
import network.noderr.controlplane.approvals.ApprovedAction;
import org.springframework.stereotype.Component;

/** Runs an approved emergency rollback exactly as a direct one: on-chain first, then in the engine. */
@Component
class RollbackApproval implements ApprovedAction {

    private final Rollouts rollouts;

    RollbackApproval(Rollouts rollouts) {
        this.rollouts = rollouts;
    }

    @Override
    public ApprovalKind kind() {
        return ApprovalKind.EMERGENCY_ROLLBACK;
    }

    @Override
    public void check(ApprovalRequest request) {
        rollouts.checkRollback(request.tier(), request.versionString(), request.reason());
    }

    @Override
    public String execute(ApprovalRequest request, String actor) {
        var rollout = rollouts.emergencyRollback(request.tier(), request.versionString(),
                Objects.requireNonNull(request.reason()), actor);
        return "rolled back to " + request.versionString() + " on-chain; rollout " + rollout.versionString() + " is "
                + rollout.status();
    }
}
