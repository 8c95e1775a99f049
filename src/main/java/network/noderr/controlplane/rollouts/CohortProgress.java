package network.noderr.controlplane.rollouts;

import org.jspecify.annotations.NonNull;

/** One cohort's progress in a rollout, for progress bars. */
public record CohortProgress(
        @NonNull String cohort, boolean active, long nodes, long updated, long healthy, long unhealthy, long failed) {}
