package network.noderr.agent.update;

import java.io.IOException;
import java.util.Optional;

/** Where the agent reads what the VersionBeacon records for a tier's version. */
public interface OnChainReleases {

    /** The tier's version as recorded on-chain, or empty when it was never published for the tier. */
    Optional<OnChainRelease> release(String tier, String versionString) throws IOException;

    /** The tier's current version id (0 before its first publish): one call, for a check that waits on it. */
    long currentVersionId(String tier) throws IOException;
}
