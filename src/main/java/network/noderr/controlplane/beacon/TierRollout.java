package network.noderr.controlplane.beacon;

import java.util.UUID;
import org.jspecify.annotations.NonNull;

/**
 * A tier's rollout that has not finished yet (it blocks the tier's next publish until it completes or is aborted).
 *
 * @param status {@code active} or {@code paused}
 * @param phaseMessage what it is doing or waiting for, as the Rollouts screen says it
 */
public record TierRollout(@NonNull UUID id, @NonNull String versionString, @NonNull String status,
        @NonNull String phase, @NonNull String phaseMessage, long updatedNodes, long totalNodes) {}
