package network.noderr.controlplane.applications;

import java.time.Instant;
import java.util.UUID;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * An application as admins see it.
 *
 * @param tokenState for approved applications: the state of its latest install token (ACTIVE, USED, EXPIRED,
 *     REVOKED), never the token itself
 * @param nodeId the node registered with the token, once used
 */
public record ApplicationView(
        @NonNull UUID id,
        @NonNull String operatorName,
        @NonNull String email,
        @NonNull String walletAddress,
        @NonNull Tier requestedTier,
        @NonNull Hardware hardware,
        @Nullable String message,
        @NonNull ApplicationStatus status,
        @Nullable String decisionReason,
        @Nullable String decidedBy,
        @Nullable Instant decidedAt,
        @NonNull Instant createdAt,
        @Nullable String tokenState,
        @Nullable Instant tokenExpiresAt,
        @Nullable String nodeId) {}
