package network.noderr.controlplane.applications;

import java.time.Instant;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;

/**
 * The result of an approval: the install token in clear text, shown exactly once, and a ready install command.
 */
public record Approval(
        @NonNull String installToken, @NonNull Instant expiresAt, @NonNull Tier tier, @NonNull String installCommand) {}
