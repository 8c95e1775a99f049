package network.noderr.agent.update;

import java.io.IOException;
import java.util.Optional;

/** Where the VERIFYING step reads the digest recorded on-chain for a tier's version. */
@FunctionalInterface
public interface OnChainDigests {

    /** {@code sha256:<hex>}, or empty when the version was never published for the tier. */
    Optional<String> digestOf(String tier, String versionString) throws IOException;
}
