package network.noderr.controlplane.beacon;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import network.noderr.controlplane.shared.Tier;
import network.noderr.controlplane.shared.Versions;
import org.jspecify.annotations.NonNull;

/**
 * A version to publish on-chain for a tier. The patterns are anchored: the dashboard checks them in the browser too,
 * where a pattern matches anywhere in the text unless it is anchored.
 */
public record ReleaseRequest(
        @NotNull(message = "must be ALL, ORACLE or GUARDIAN") Tier tier,
        @NotBlank @Size(max = 50)
                @Pattern(regexp = Versions.PATTERN, message = "must be a semantic version such as 1.4.2 or "
                        + "1.5.0-rc.1 (no leading v, no leading zeros)")
                @NonNull String versionString,
        @NotBlank @Size(max = 512)
                @Pattern(regexp = IMAGE_REF_PATTERN, message = "must be an image reference such as "
                        + "registry.example.com/oracle:1.4.2 (lowercase path, no spaces)")
                @NonNull String imageRef,
        @NotBlank @Pattern(regexp = "^sha256:[0-9a-f]{64}$", message = "must be sha256:<64 lowercase hex>")
                @NonNull String imageDigest,
        @NotBlank @Pattern(regexp = "^0x[0-9a-fA-F]{64}$", message = "must be 0x<64 hex>") @NonNull String configHash) {

    /**
     * A container image reference as Docker and OCI registries take it: an optional registry host (with a port),
     * lowercase path components, an optional tag and an optional digest; e.g.
     * {@code registry.noderr.network/oracle:1.4.2}.
     */
    public static final String IMAGE_REF_PATTERN = "^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
            + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?"
            + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
            + "(?::\\w[\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$";
}
