package network.noderr.controlplane.beacon;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import network.noderr.controlplane.shared.Tier;

/** A version to publish on-chain for a tier. */
public record ReleaseRequest(
        @NotNull(message = "must be ALL, ORACLE or GUARDIAN") Tier tier,
        @NotBlank @Size(max = 50)
                @Pattern(regexp = "\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.-]+)?", message = "must be semver, e.g. 1.4.2")
                String versionString,
        @NotBlank @Size(max = 512) @Pattern(regexp = "\\S+", message = "must not contain spaces") String imageRef,
        @NotBlank @Pattern(regexp = "sha256:[0-9a-f]{64}", message = "must be sha256:<64 lowercase hex>")
                String imageDigest,
        @NotBlank @Pattern(regexp = "0x[0-9a-fA-F]{64}", message = "must be 0x<64 hex>") String configHash) {}
