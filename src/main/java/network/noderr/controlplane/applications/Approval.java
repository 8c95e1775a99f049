package network.noderr.controlplane.applications;

import java.time.Instant;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;

/**
 * The result of an approval: the install token in clear text, shown exactly once, and a ready install command. The
 * command does not contain the token (a command line is visible to other local users and kept in shell histories):
 * the installer asks for the token when it runs.
 */
public record Approval(
        @NonNull String installToken, @NonNull Instant expiresAt, @NonNull Tier tier, @NonNull String installCommand) {}
