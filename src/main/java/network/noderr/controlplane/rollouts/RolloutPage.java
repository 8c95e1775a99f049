package network.noderr.controlplane.rollouts;

import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * One page of rollouts, newest first.
 *
 * @param nextBefore pass as {@code before} for the next (older) page; null when this is the last page
 */
public record RolloutPage(@NonNull List<@NonNull RolloutView> rollouts, @Nullable UUID nextBefore) {}
