package network.noderr.agent.update;

import java.io.IOException;
import java.util.Optional;

/** Where the agent reads what the VersionBeacon records for a tier's version. */
@FunctionalInterface
public interface OnChainReleases {

    /** The tier's version as recorded on-chain, or empty when it was never published for the tier. */
    Optional<OnChainRelease> release(String tier, String versionString) throws IOException;
}
