package network.noderr.controlplane.rollouts;

import java.util.UUID;
import org.jspecify.annotations.NonNull;

/**
 * A tier's latest release, rolled back with nothing earlier to return to (the tier's first release): the tier stays
 * on it until a fixed release is published.
 *
 * @param rolloutId the rolled-back rollout
 * @param version the release the tier stays on
 * @param message why it was rolled back and what happens now, as the rollout status API says it
 */
public record RolledBackRelease(@NonNull UUID rolloutId, @NonNull String version, @NonNull String message) {}
