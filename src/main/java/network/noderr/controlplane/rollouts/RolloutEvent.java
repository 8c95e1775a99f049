package network.noderr.controlplane.rollouts;

import java.time.Instant;
import org.jspecify.annotations.NonNull;

/** One entry of a rollout's timeline. */
public record RolloutEvent(@NonNull String event, @NonNull String actor, @NonNull Instant at) {}
