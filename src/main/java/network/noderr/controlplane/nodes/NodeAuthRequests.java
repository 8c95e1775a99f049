package network.noderr.controlplane.nodes;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import network.noderr.controlplane.applications.Hardware;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;

/** Request and response bodies of the node authentication API (DESIGN §3). */
final class NodeAuthRequests {

    private NodeAuthRequests() {}

    record KeyAttestation(@NotNull KeyType type, @Nullable @Size(max = 16384) String evidence) {}

    record Registration(
            @NotBlank @Size(max = 128) String installToken,
            @NotBlank @Size(max = 1024) String publicKey,
            @NotNull @Valid KeyAttestation keyAttestation,
            @NotBlank @Size(max = 255) @Pattern(regexp = "[A-Za-z0-9._-]+", message = "must be a host name")
                    String hostname,
            @NotNull @Valid Hardware hardware,
            @Nullable Tier tier) {}

    record Registered(String nodeId, Tier tier) {}

    record ChallengeRequest(@NotBlank @Size(max = 64) String nodeId) {}

    record Challenge(String nonce, Instant expiresAt) {}

    /** {@code metricsPort}: the agent's metrics endpoint (0: none); left out, the one known stays. */
    record VerifyRequest(
            @NotBlank @Size(max = 64) String nodeId,
            @NotBlank @Size(max = 128) String nonce,
            @NotBlank @Size(max = 256) String signature,
            @jakarta.validation.constraints.Min(0) @jakarta.validation.constraints.Max(65535)
                    @org.jspecify.annotations.Nullable Integer metricsPort) {}

    record AccessToken(String accessToken, long expiresIn, String tokenType) {}

    record RotateRequest(
            @NotBlank @Size(max = 128) String nonce,
            @NotBlank @Size(max = 1024) String newPublicKey,
            @NotBlank @Size(max = 256) String signatureByNewKey,
            @NotBlank @Size(max = 256) String signatureByCurrentKey,
            @Nullable @Valid KeyAttestation keyAttestation) {}

    record Rotated(String nodeId, KeyType keyType, Instant rotatedAt) {}

    /** What a node may read about itself. */
    record Identity(String nodeId, Tier tier, KeyType keyType, NodeStatus status, Instant registeredAt) {}
}
