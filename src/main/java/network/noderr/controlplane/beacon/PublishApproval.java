package network.noderr.controlplane.beacon;

import java.util.Objects;
import network.noderr.controlplane.approvals.ApprovalKind;
import network.noderr.controlplane.approvals.ApprovalRequest;
import network.noderr.controlplane.approvals.ApprovedAction;
import org.springframework.stereotype.Component;

/** Runs an approved publish exactly as a direct one: the transaction is sent, the rollout starts once mined. */
@Component
class PublishApproval implements ApprovedAction {

    private final Beacon beacon;

    PublishApproval(Beacon beacon) {
        this.beacon = beacon;
    }

    @Override
    public ApprovalKind kind() {
        return ApprovalKind.PUBLISH;
    }

    @Override
    public void check(ApprovalRequest request) {
        beacon.checkPublish(release(request));
    }

    @Override
    public String execute(ApprovalRequest request, String actor) {
        var sent = beacon.publish(release(request), actor);
        return "publish sent: transaction " + sent.txHash() + " (" + sent.status() + ")";
    }

    private static ReleaseRequest release(ApprovalRequest r) {
        return new ReleaseRequest(r.tier(), r.versionString(), Objects.requireNonNull(r.imageRef()),
                Objects.requireNonNull(r.imageDigest()), Objects.requireNonNull(r.configHash()));
    }
}
