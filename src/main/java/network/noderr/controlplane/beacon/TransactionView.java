package network.noderr.controlplane.beacon;

import java.time.Instant;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * A write this control plane sent (or queued) to the VersionBeacon: {@code kind} PUBLISH, ROLLBACK or
 * ROLLOUT_CONFIG; {@code status} queued, pending, confirmed or failed (with the decoded reason in {@code error}).
 * {@code createdAt} is when it was asked for, {@code sentAt} when it last went to the chain (null while queued).
 */
public record TransactionView(
        @NonNull String kind,
        @NonNull Tier tier,
        @Nullable String versionString,
        @Nullable String detail,
        @NonNull String status,
        @Nullable String txHash,
        @Nullable Long blockNumber,
        @Nullable String error,
        @NonNull String createdBy,
        @NonNull Instant createdAt,
        @Nullable Instant sentAt) {}
