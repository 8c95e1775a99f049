package network.noderr.controlplane.beacon;

import java.time.Instant;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

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
        boolean rolledBack,
        @Nullable String createdBy,
        @NonNull Instant time) {}
