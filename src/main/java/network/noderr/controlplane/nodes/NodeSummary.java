package network.noderr.controlplane.nodes;

import java.time.Instant;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * One row of the node registry. Version and health are empty until the node first reports.
 */
public record NodeSummary(
        @NonNull String nodeId,
        @NonNull Tier tier,
        @NonNull String hostname,
        @NonNull NodeStatus status,
        @NonNull KeyType keyType,
        @Nullable String currentVersion,
        @Nullable String targetVersion,
        @Nullable String cohort,
        @Nullable String healthStatus,
        @Nullable Instant lastHealthCheck,
        @NonNull Instant registeredAt) {}
