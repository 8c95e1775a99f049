package network.noderr.controlplane.beacon;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** The records the beacon's API and screen exchange. */
public final class BeaconViews {

    private BeaconViews() {}

    /** A version to publish on-chain for a tier. */
    public record ReleaseRequest(
            @NotNull Tier tier,
            @NotBlank @Size(max = 50)
                    @Pattern(regexp = "\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.-]+)?", message = "must be semver, e.g. 1.4.2")
                    String versionString,
            @NotBlank @Size(max = 512) @Pattern(regexp = "\\S+", message = "must not contain spaces") String imageRef,
            @NotBlank @Pattern(regexp = "sha256:[0-9a-f]{64}", message = "must be sha256:<64 lowercase hex>")
                    String imageDigest,
            @NotBlank @Pattern(regexp = "0x[0-9a-fA-F]{64}", message = "must be 0x<64 hex>") String configHash) {}

    /** A rollout config to set on-chain (the contract enforces the same bounds). */
    public record RolloutConfigRequest(
            @Min(1) @Max(50) int canaryPercentage,
            @Min(1) @Max(33) int cohortPercentage,
            @Min(1) @Max(720) int cohortDelayHours) {}

    /** A write sent to the chain. */
    public record Submitted(@NonNull UUID transactionId, @NonNull String status, @Nullable String txHash,
            @NonNull Tier tier, @Nullable String versionString) {}

    /**
     * A version of a tier: published on-chain (confirmed, with its version id, tx hash and block) or a publish still
     * pending or failed.
     */
    public record ReleaseView(
            @NonNull Tier tier,
            @Nullable Long versionId,
            @NonNull String versionString,
            @Nullable String imageRef,
            @Nullable String imageDigest,
            @Nullable String configHash,
            @NonNull String status,
            @Nullable String txHash,
            @Nullable Long blockNumber,
            @Nullable String error,
            boolean current,
            @Nullable String createdBy,
            @NonNull Instant time) {}

    /** A tier as the chain (mirror) has it. */
    public record TierView(@NonNull Tier tier, @Nullable Long currentVersionId, @Nullable String currentVersion,
            @Nullable String imageDigest, int canaryPercentage, int cohortPercentage, int cohortDelayHours) {}

    /**
     * The chain as this replica sees it. {@code status}: ok, stale (the RPC cannot be reached since
     * {@code staleSince}; reads come from the mirror) or starting.
     */
    public record StatusView(
            long chainId,
            @NonNull String rpcUrl,
            @NonNull String contractAddress,
            @NonNull String signer,
            boolean embedded,
            long lastIndexedBlock,
            long headBlock,
            int confirmations,
            @NonNull String status,
            @Nullable Instant staleSince,
            @Nullable String lastError,
            @NonNull List<@NonNull TierView> tiers) {}
}
