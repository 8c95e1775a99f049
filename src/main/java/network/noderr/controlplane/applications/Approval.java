package network.noderr.controlplane.applications;

import java.time.Instant;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * The result of an approval: the install token in clear text, shown exactly once, and a ready install command. The
 * command does not contain the token (a command line is visible to other local users and kept in shell histories):
 * the installer asks for the token when it runs.
 *
 * @param caSha256 when the control plane's certificate comes from a private CA ({@code noderr.onboarding.ca-file}):
 *     the SHA-256 of that CA's certificate, which the command fetches and checks before trusting it
 * @param caProblem why the command carries no CA although one is configured (the file is missing or no certificate)
 * @param addressProblem why operators' machines will not reach the command's address: without {@code
 *     noderr.onboarding.public-url} the command uses the address the admin reached the control plane at, and that was
 *     this machine's own (localhost, a loopback address, e.g. through an SSH tunnel)
 */
public record Approval(
        @NonNull String installToken, @NonNull Instant expiresAt, @NonNull Tier tier, @NonNull String installCommand,
        @Nullable String caSha256, @Nullable String caProblem, @Nullable String addressProblem) {}
