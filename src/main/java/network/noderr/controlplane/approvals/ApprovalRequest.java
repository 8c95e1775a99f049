package network.noderr.controlplane.approvals;

import java.util.Objects;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;

/**
 * The validated payload of a held action. {@code PUBLISH}: version, image, digest and config hash. {@code
 * EMERGENCY_ROLLBACK}: the target version, the reason and the tier's version in force when it was filed.
 *
 * @param rollsBackFrom a rollback's: the tier's version in force when it was filed (what it rolls back from); it runs
 *     only while that is still in force. Null for a publish (and a rollback filed before this was recorded).
 */
public record ApprovalRequest(ApprovalKind kind, Tier tier, String versionString, @Nullable String imageRef,
        @Nullable String imageDigest, @Nullable String configHash, @Nullable String reason,
        @Nullable String rollsBackFrom) {

    public ApprovalRequest {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(tier);
        Objects.requireNonNull(versionString);
        if (kind == ApprovalKind.PUBLISH && (imageRef == null || imageDigest == null || configHash == null)) {
            throw new IllegalArgumentException("a publish needs image, digest and config hash");
        }
        if (kind == ApprovalKind.EMERGENCY_ROLLBACK && reason == null) {
            throw new IllegalArgumentException("a rollback needs a reason");
        }
    }

    public static ApprovalRequest publish(Tier tier, String versionString, String imageRef, String imageDigest,
            String configHash) {
        return publish(tier, versionString, imageRef, imageDigest, configHash, null);
    }

    /** @param note what the approver should know (a publish's {@code reason}), e.g. that it is a downgrade */
    public static ApprovalRequest publish(Tier tier, String versionString, String imageRef, String imageDigest,
            String configHash, @Nullable String note) {
        return new ApprovalRequest(ApprovalKind.PUBLISH, tier, versionString, imageRef, imageDigest, configHash, note,
                null);
    }

    /** @param rollsBackFrom the tier's version in force now, what the rollback rolls back from */
    public static ApprovalRequest emergencyRollback(Tier tier, String toVersion, String reason,
            @Nullable String rollsBackFrom) {
        return new ApprovalRequest(ApprovalKind.EMERGENCY_ROLLBACK, tier, toVersion, null, null, null, reason,
                rollsBackFrom);
    }

    /**
     * For people: "publish GUARDIAN 1.4.2" or "emergency rollback of GUARDIAN 1.4.2 to 1.4.1" (without the version
     * rolled back from when it was not recorded).
     */
    public String describe() {
        return kind == ApprovalKind.PUBLISH ? "publish " + tier + " " + versionString
                : "emergency rollback of " + tier + (rollsBackFrom == null ? "" : " " + rollsBackFrom) + " to "
                        + versionString;
    }
}
