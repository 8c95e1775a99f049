package network.noderr.controlplane.rollouts;

import network.noderr.controlplane.shared.Tier;

/**
 * The on-chain side of rollouts (VersionBeacon). The beacon feature provides the real implementation; without it
 * {@link RolloutConfiguration} registers one that records decisions only in PostgreSQL and says so in the log.
 */
public interface BeaconPort {

    /**
     * Makes {@code versionString} the tier's current version on-chain and waits until the transaction is mined. A
     * person asked for it: when the chain refuses or cannot be reached this throws a problem that says why, and
     * nothing changes.
     */
    void emergencyRollback(Tier tier, String versionString, String reason, String actor);

    /**
     * Records an on-chain rollback to be sent as soon as the chain takes it. The engine's automatic rollback uses
     * this: it takes effect for the nodes at once and must not wait for (or fail with) the chain.
     */
    void queueEmergencyRollback(Tier tier, String versionString, String reason);

    /** A short description for logs and the API (e.g. "VersionBeacon 0x… on chain 31337"). */
    String describe();
}
