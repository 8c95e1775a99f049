package network.noderr.controlplane.rollouts;

import java.util.Objects;
import network.noderr.controlplane.approvals.ApprovalKind;
import network.noderr.controlplane.approvals.ApprovalRequest;
import network.noderr.controlplane.approvals.ApprovedAction;
import network.noderr.controlplane.shared.ProblemException;
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

    /**
     * Refuses (the approval turns FAILED) when the tier's version in force changed since the request was filed: a
     * release published since, or another rollback. The request named what it rolls back from; it must not roll back
     * a release nobody filed it against.
     */
    @Override
    public String execute(ApprovalRequest request, String actor) {
        var filedAgainst = request.rollsBackFrom();
        var inForce = rollouts.versionInForce(request.tier());
        if (filedAgainst != null && !inForce.filter(filedAgainst::equals).isPresent()) {
            throw new ProblemException(409, "version-in-force-changed", "Changed since it was filed", "This rollback"
                    + " of " + request.tier() + " was filed against " + filedAgainst + ", but the tier's version in"
                    + " force is now " + inForce.orElse("none") + " (published or rolled back since).");
        }
        var rollout = rollouts.emergencyRollback(request.tier(), request.versionString(),
                Objects.requireNonNull(request.reason()), actor);
        // The phase, not the status: a completed rollout that an emergency rollback withdrew keeps status completed.
        return "rolled back to " + request.versionString() + " on-chain; rollout " + rollout.versionString() + " is "
                + rollout.phase().replace('_', ' ');
    }
}
