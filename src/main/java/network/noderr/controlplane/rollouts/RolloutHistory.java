package network.noderr.controlplane.rollouts;

import java.util.List;
import org.jspecify.annotations.NonNull;

/**
 * What the Rollouts screen shows: the open rollouts (at most one per tier) and the newest finished ones.
 *
 * @param finished newest first, each with the counts recorded when it finished
 * @param finishedTotal how many finished rollouts there are in all
 */
public record RolloutHistory(@NonNull List<@NonNull RolloutView> open, @NonNull List<@NonNull RolloutView> finished,
        long finishedTotal) {}
