package network.noderr.controlplane.rollouts;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import network.noderr.controlplane.shared.Tier;
import network.noderr.controlplane.shared.Versions;
import org.jspecify.annotations.Nullable;

/**
 * A version to roll out to a tier. Publishing on-chain (the beacon) creates these; until it exists, an internal
 * call does.
 *
 * @param versionId the on-chain version id, when known
 */
public record NewRelease(
        @NotNull Tier tier,
        @NotBlank @Size(max = 50) @Pattern(regexp = Versions.PATTERN, message = "must be semver")
                String versionString,
        @NotBlank @Size(max = 512) String imageRef,
        @NotBlank @Pattern(regexp = "sha256:[0-9a-f]{64}", message = "must be sha256:<64 hex>") String imageDigest,
        @NotBlank @Pattern(regexp = "0x[0-9a-fA-F]{64}", message = "must be 0x<64 hex>") String configHash,
        @Nullable Long versionId) {}
