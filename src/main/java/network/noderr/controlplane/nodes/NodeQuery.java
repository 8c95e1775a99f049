package network.noderr.controlplane.nodes;

import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;

/**
 * A registry query: optional filters, a page and a sort.
 *
 * @param health one of healthy, degraded, unhealthy, or {@code unknown} for nodes that never reported
 * @param version the running version, exactly
 * @param cohort {@code canary} or {@code cohort1} to {@code cohort4} (DESIGN §4), given at registration and kept in
 *     step with the split of the tier's current rollout
 * @param text free text matched against node id and host name (case-insensitive substring)
 * @param page zero-based page number
 * @param size page size, 1 to {@link NodeRegistry#MAX_PAGE_SIZE}
 * @param sort a property of {@link NodeSummary} ({@code nodeId}, {@code tier}, ...); null sorts by node id
 */
public record NodeQuery(
        @Nullable Tier tier,
        @Nullable NodeStatus status,
        @Nullable String health,
        @Nullable String version,
        @Nullable String cohort,
        @Nullable String text,
        int page,
        int size,
        @Nullable String sort,
        boolean descending) {}
