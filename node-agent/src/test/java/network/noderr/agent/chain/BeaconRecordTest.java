package network.noderr.agent.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import network.noderr.agent.TestBeacon;
import network.noderr.agent.update.OnChainRelease;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The agent's reading of the VersionBeacon on a real chain (anvil): digests, ids and the tier's current version. */
class BeaconRecordTest {

    private static final String D1 = "sha256:" + "11".repeat(32);
    private static final String D2 = "sha256:" + "22".repeat(32);
    private static final String D3 = "sha256:" + "33".repeat(32);

    private static TestBeacon beacon;
    private static BeaconRecord record;

    @BeforeAll
    static void publish() throws Exception {
        beacon = TestBeacon.start();
        record = new BeaconRecord(beacon.rpcUrl(), beacon.address());
        beacon.publish(0, "1.0.0", "registry.example/node:1.0.0", D1);
        beacon.publish(0, "1.1.0", "registry.example/node:1.1.0", D2);
        beacon.publish(0, "1.2.0", "registry.example/node:1.2.0", D3);
        beacon.publish(2, "1.0.0", "registry.example/node:1.0.0", D1);
    }

    @AfterAll
    static void stop() throws Exception {
        beacon.close();
    }

    @Test
    void readsEachVersionsDigestAndPlaceAgainstTheTiersCurrentOne() throws Exception {
        assertThat(record.release("ALL", "1.2.0")).contains(new OnChainRelease("registry.example/node:1.2.0", D3, 3, 3));
        assertThat(record.release("ALL", "1.2.0").orElseThrow().isCurrent()).isTrue();
        var older = record.release("ALL", "1.0.0").orElseThrow();
        assertThat(older).isEqualTo(new OnChainRelease("registry.example/node:1.0.0", D1, 1, 3));
        assertThat(older.isCurrent()).isFalse();
        assertThat(older.isWithdrawn()).isFalse();
        assertThat(record.release("ALL", "9.9.9")).as("never published").isEmpty();
        assertThat(record.release("ORACLE", "1.0.0")).as("published for other tiers only").isEmpty();
        assertThat(record.release("GUARDIAN", "1.0.0")).contains(new OnChainRelease("registry.example/node:1.0.0", D1, 1, 1));
        assertThat(record.currentVersionId("ALL")).isEqualTo(3);
        assertThat(record.currentVersionId("ORACLE")).as("nothing published").isZero();
    }

    @Test
    void aVersionAnEmergencyRollbackWentBackPastIsWithdrawn() throws Exception {
        var chain = TestBeacon.start();
        try {
            chain.publish(1, "2.0.0", "registry.example/node:2.0.0", D1);
            chain.publish(1, "2.1.0", "registry.example/node:2.1.0", D2);
            chain.emergencyRollback(1, 1);
            var onChain = new BeaconRecord(chain.rpcUrl(), chain.address());
            var withdrawn = onChain.release("ORACLE", "2.1.0").orElseThrow();
            assertThat(withdrawn).isEqualTo(new OnChainRelease("registry.example/node:2.1.0", D2, 2, 1));
            assertThat(withdrawn.isWithdrawn()).isTrue();
            assertThat(onChain.release("ORACLE", "2.0.0").orElseThrow().isCurrent()).isTrue();
            assertThat(onChain.rollbacksPast("ORACLE", 2)).singleElement().satisfies(r -> {
                assertThat(r.fromVersionId()).isEqualTo(2);
                assertThat(r.toVersionId()).isEqualTo(1);
                assertThat(r.blockNumber()).isPositive();
                assertThat(r.transactionHash()).matches("0x[0-9a-f]{64}");
            });

            // A fixed release follows: 2.1.0 is no longer after the tier's current version, but its rollback stays
            // on record. Rollbacks of another tier, and versions the rollback did not go back past, are not named.
            chain.publish(1, "2.2.0", "registry.example/node:2.2.0", D3);
            chain.publish(2, "2.0.0", "registry.example/node:2.0.0", D1);
            chain.publish(2, "2.1.0", "registry.example/node:2.1.0", D2);
            chain.publish(2, "2.2.0", "registry.example/node:2.2.0", D3);
            chain.emergencyRollback(2, 1);
            var fixed = onChain.release("ORACLE", "2.1.0").orElseThrow();
            assertThat(fixed).isEqualTo(new OnChainRelease("registry.example/node:2.1.0", D2, 2, 3));
            assertThat(fixed.isWithdrawn()).as("not told by the ids any more").isFalse();
            assertThat(onChain.rollbacksPast("ORACLE", 2)).extracting(r -> r.fromVersionId() + ">" + r.toVersionId())
                    .containsExactly("2>1");
            assertThat(onChain.rollbacksPast("ORACLE", 1)).as("the version it went back to").isEmpty();
            assertThat(onChain.rollbacksPast("ORACLE", 3)).as("published after it").isEmpty();
            assertThat(onChain.rollbacksPast("GUARDIAN", 2)).extracting(r -> r.fromVersionId() + ">" + r.toVersionId())
                    .containsExactly("3>1");
            assertThat(onChain.rollbacksPast("ALL", 2)).isEmpty();
        } finally {
            chain.close();
        }
    }

    @Test
    void anAddressWithoutTheContractIsAnError() {
        var nothing = new BeaconRecord(beacon.rpcUrl(), "0x" + "12".repeat(20));
        assertThatThrownBy(() -> nothing.release("ALL", "1.0.0")).isInstanceOf(IOException.class)
                .hasMessageContaining("VersionBeacon");
    }
}
