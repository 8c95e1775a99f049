package network.noderr.controlplane.nodes;

import java.time.Instant;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** One row of the node registry. */
public record NodeSummary(
        @NonNull String nodeId,
        @NonNull Tier tier,
        @NonNull String currentVersion,
        @Nullable String targetVersion,
        @NonNull String cohort,
        @Nullable String healthStatus,
        @Nullable Instant lastHealthCheck,
        @NonNull Instant registeredAt) {}
