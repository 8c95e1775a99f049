package network.noderr.controlplane.beacon;

import network.noderr.controlplane.beacon.BeaconTransactions.Kind;
import network.noderr.controlplane.rollouts.BeaconPort;
import network.noderr.controlplane.shared.Tier;
import org.springframework.stereotype.Component;

/**
 * The engine's port to the chain. A person's emergency rollback is sent at once and waited for (refused with a clear
 * error when the chain refuses or cannot be reached); the engine's automatic rollback is queued and sent by
 * {@link BeaconJobs} as soon as the chain takes it, so it never waits for the chain.
 */
@Component
class OnChainBeacon implements BeaconPort {

    private final BeaconWrites writes;
    private final BeaconTransactions transactions;
    private final BeaconConnection connection;

    OnChainBeacon(BeaconWrites writes, BeaconTransactions transactions, BeaconConnection connection) {
        this.writes = writes;
        this.transactions = transactions;
        this.connection = connection;
    }

    @Override
    public void emergencyRollback(Tier tier, String versionString, String reason, String actor) {
        writes.awaitMined(writes.rollback(tier, versionString, reason, actor));
    }

    @Override
    public void queueEmergencyRollback(Tier tier, String versionString, String reason) {
        transactions.insert(connection.chain(), Kind.ROLLBACK, tier, versionString, null, null, null, reason, "queued",
                null, "reconciler");
    }

    @Override
    public String describe() {
        var chain = connection.chain();
        return "VersionBeacon " + chain.contractAddress() + " on chain " + chain.chainId();
    }
}
