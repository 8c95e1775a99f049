package network.noderr.controlplane.rollouts;

import network.noderr.controlplane.shared.Tier;

/**
 * The on-chain side of rollouts (VersionBeacon). The beacon feature provides the real implementation; until then
 * {@link RolloutConfiguration} registers one that records the decision only in PostgreSQL and says so in the log.
 */
public interface BeaconPort {

    /** Makes {@code versionString} the tier's current version on-chain (an emergency rollback). */
    void emergencyRollback(Tier tier, String versionString, String reason);

    /** A short description for logs and the API (e.g. "VersionBeacon 0x… on chain 31337"). */
    String describe();
}
