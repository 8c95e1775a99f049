package network.noderr.agent.update;

/**
 * An emergency rollback recorded by the VersionBeacon ({@code EmergencyRollback}): the tier went from version
 * {@code fromVersionId} back to {@code toVersionId}, withdrawing every version after the latter up to the former.
 */
public record OnChainRollback(long fromVersionId, long toVersionId, long blockNumber, String transactionHash) {

    /** Whether this rollback withdrew {@code versionId}. */
    public boolean withdrew(long versionId) {
        return versionId > toVersionId && versionId <= fromVersionId;
    }
}
