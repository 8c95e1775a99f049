package network.noderr.agent.update;

import java.io.IOException;
import java.util.Optional;

/** Where the agent reads what the VersionBeacon records for a tier's version. */
public interface OnChainReleases {

    /** The tier's version as recorded on-chain, or empty when it was never published for the tier. */
    Optional<OnChainRelease> release(String tier, String versionString) throws IOException;

    /** The tier's current version id (0 before its first publish): one call, for a check that waits on it. */
    long currentVersionId(String tier) throws IOException;

    /**
     * The emergency rollbacks that took the tier back past {@code versionId} (from it or a later version to an earlier
     * one), oldest first: such a version was withdrawn as bad, even when a newer publish since made it look like any
     * older release. From the contract's {@code EmergencyRollback} events.
     *
     * @throws IOException when the RPC cannot be reached or refuses the query (some limit how many blocks one log
     *     query may cover)
     */
    java.util.List<OnChainRollback> rollbacksPast(String tier, long versionId) throws IOException;
}
