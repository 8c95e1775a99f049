package network.noderr.controlplane.approvals;

import java.time.Instant;
import java.util.UUID;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * A held request as the API and the dashboard show it.
 *
 * @param versionString the version to publish, or the rollback's target version
 * @param reason the rollback's reason (publish: null)
 * @param summary for people, e.g. "publish GUARDIAN 1.4.2"
 * @param decidedBy who approved, rejected or cancelled it (null while pending and when it expired)
 * @param decisionReason why it was rejected
 * @param result what the approved action did (e.g. the transaction sent)
 * @param error why the approved action was refused (status FAILED)
 * @param rollsBackFrom a rollback's: the tier's version in force when it was filed (it runs only while that is still
 *     in force); null for a publish
 */
public record ApprovalView(@NonNull UUID id, @NonNull ApprovalKind kind, @NonNull Tier tier,
        @NonNull String versionString, @Nullable String imageRef, @Nullable String imageDigest,
        @Nullable String configHash, @Nullable String reason, @NonNull ApprovalStatus status, @NonNull String summary,
        @NonNull String requestedBy, @NonNull Instant requestedAt, @NonNull Instant expiresAt,
        @Nullable String decidedBy, @Nullable Instant decidedAt, @Nullable String decisionReason,
        @Nullable String result, @Nullable String error, @Nullable String rollsBackFrom) {

    /** The payload, to run it. */
    public ApprovalRequest request() {
        return new ApprovalRequest(kind, tier, versionString, imageRef, imageDigest, configHash, reason,
                rollsBackFrom);
    }
}
