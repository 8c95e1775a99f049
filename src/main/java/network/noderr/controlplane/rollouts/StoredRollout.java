package network.noderr.controlplane.rollouts;

import java.time.Instant;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;

/**
 * A rollout row: the engine's state plus identity, release and bookkeeping.
 *
 * @param finalCounts a finished rollout's cohort counts when it finished (JSON); null while it runs and for rollouts
 *     finished before they were recorded
 */
record StoredRollout(
        UUID id,
        UUID releaseId,
        Tier tier,
        String imageRef,
        @Nullable Long versionId,
        Rollout rollout,
        int revision,
        @Nullable Instant completedAt,
        Instant createdAt,
        @Nullable String finalCounts) {}
