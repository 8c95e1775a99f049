package network.noderr.controlplane.applications;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.HardwareCheck;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * An application as admins see it. An approved application may hold many install tokens (a reissue, a batch for
 * several machines); the token fields summarise all of them, never a token itself.
 *
 * @param tokenState for approved applications, over all of its install tokens: ACTIVE when at least one can still
 *     register a node, else EXPIRED when an unused one expired, else USED when at least one registered a node, else
 *     REVOKED; null before approval
 * @param tokenExpiresAt when the last of the active tokens expires; without an active token, when the latest issued
 *     token expired
 * @param nodeId the node that registered most recently with one of the application's tokens
 * @param tokensActive unused, unrevoked, unexpired tokens: each can still register a node (a reissue revokes these)
 * @param tokensUsed tokens that registered a node
 * @param tokensExpired unused tokens that expired without being revoked
 * @param tokensRevoked unused tokens revoked by a reissue
 * @param nodeIds the nodes registered with the application's tokens, most recent first, at most
 *     {@link Applications#MAX_NODE_IDS} ({@code tokensUsed} is the full count)
 * @param hardwareCheck the declared hardware against the requested tier's minimums
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
        @Nullable String nodeId,
        int tokensActive,
        int tokensUsed,
        int tokensExpired,
        int tokensRevoked,
        @NonNull List<@NonNull String> nodeIds,
        @NonNull HardwareCheck hardwareCheck) {}
