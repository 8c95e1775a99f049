package network.noderr.controlplane.nodes;

import java.time.Instant;
import java.util.List;
import network.noderr.controlplane.shared.HardwareCheck;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * One node in full: its registry row, identity and hardware, where it last logged in from, and its recent update
 * reports (which are its version history: every version change the node reported).
 *
 * @param hardwareCheck the hardware the node registered with against its tier's minimums
 * @param suspension why, by whom and when the node was suspended, while it is; null when it is active
 */
public record NodeDetails(
        @NonNull NodeSummary node,
        @Nullable String applicationId,
        @NonNull Hardware hardware,
        @Nullable Instant keyRotatedAt,
        @Nullable Instant lastAuthenticatedAt,
        @Nullable String lastAddress,
        @NonNull List<@NonNull UpdateReport> updates,
        @NonNull HardwareCheck hardwareCheck,
        @Nullable Suspension suspension) {

    /**
     * A suspension as recorded: the reason and the admin are null for one made through the management API (whose
     * request has no reason) or before reasons were recorded; the time is null only for the latter.
     */
    public record Suspension(@Nullable String reason, @Nullable String by, @Nullable Instant at) {}

    /** As registered; a value is null when the node registered without it and 0 when it was not measured. */
    public record Hardware(@Nullable Integer cpuCores, @Nullable Integer memoryGb, @Nullable Integer diskGb,
            @Nullable Integer networkMbps, @Nullable Boolean gpu) {}

    public record UpdateReport(@Nullable String fromVersion, @NonNull String toVersion, @NonNull String result,
            long durationMs, @Nullable String reason, @Nullable String cohort, @NonNull Instant reportedAt) {}
}
