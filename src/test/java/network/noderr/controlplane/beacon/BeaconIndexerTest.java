package network.noderr.controlplane.beacon;

import static network.noderr.controlplane.beacon.TestBeacons.n;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.rollouts.Rollouts;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The event indexer on a real chain and database, against a contract of its own (so the application's indexer
 * never touches it): stopped and restarted in the middle of a block range it loses and duplicates nothing, and
 * replaying blocks it has seen adds nothing.
 */
@IntegrationTest
class BeaconIndexerTest {

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Rollouts rollouts;

    @Autowired
    BeaconTransactions transactions;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Test
    void aRestartInTheMiddleOfABlockRangeLosesAndDuplicatesNothing() throws Exception {
        var web3j = TestBeacons.web3j();
        var contract = TestBeacons.deploy(web3j);
        long deployBlock = contract.getTransactionReceipt().orElseThrow().getBlockNumber().longValueExact();
        for (int i = 1; i <= 6; i++) {
            contract.setRolloutConfig(n(i % 3), n(5 + i), n(20), n(24 + i)).send();
        }
        var chain = BeaconChain.connect(TestChain.settings().rpcUrl(), 31337, contract.getContractAddress(),
                TestBeacons.deployer());
        var connection = new BeaconConnection(chain, null, deployBlock, 0, null);
        long head = chain.headBlock();
        int onChain = chain.logs(deployBlock, head).size();
        assertThat(onChain).as("2 role grants + 3 configs at deployment, 6 config changes").isEqualTo(11);

        var first = indexer(connection, 2);
        first.step(head);
        first.step(head);
        assertThat(first.cursor()).isEqualTo(deployBlock + 3);
        long before = events(chain);
        assertThat(before).isBetween(1L, (long) onChain - 1);

        var restarted = indexer(connection, 2000); // a new process: only the stored cursor survives
        int added = 0;
        while (restarted.cursor() < head) {
            added += restarted.step(head);
        }
        assertThat(events(chain)).isEqualTo(onChain);
        assertThat(added).isEqualTo(onChain - before);
        assertThat(jdbc.sql("""
                        SELECT count(DISTINCT (block_number, log_index)) FROM beacon_events
                        WHERE contract_address = :c""").param("c", chain.contractAddress()).query(Long.class).single())
                .isEqualTo(onChain);

        // Replaying every block (a cursor reset) duplicates nothing.
        jdbc.sql("UPDATE beacon_cursor SET last_block = :b WHERE contract_address = :c")
                .param("b", deployBlock - 1).param("c", chain.contractAddress()).update();
        int replayed = 0;
        while (restarted.cursor() < head) {
            replayed += restarted.step(head);
        }
        assertThat(replayed).isZero();
        assertThat(events(chain)).isEqualTo(onChain);

        // The mirror holds what the chain holds.
        for (int tier = 0; tier < 3; tier++) {
            var config = contract.getRolloutConfig(n(tier)).send();
            var mirrored = jdbc.sql("""
                            SELECT cohort_delay_hours FROM beacon_tiers WHERE contract_address = :c AND tier = :t""")
                    .param("c", chain.contractAddress()).param("t", BeaconTiers.tier(tier).name())
                    .query(Integer.class).single();
            assertThat(mirrored).isEqualTo(config.cohortDelayHours.intValueExact());
        }
        chain.close();
        web3j.shutdown();
    }

    private long events(BeaconChain chain) {
        return jdbc.sql("SELECT count(*) FROM beacon_events WHERE contract_address = :c")
                .param("c", chain.contractAddress()).query(Long.class).single();
    }

    private BeaconIndexer indexer(BeaconConnection connection, int maxBlocks) {
        var properties = new BeaconProperties("http://unused", 31337, "", "", "", 0, 0, Duration.ofSeconds(1),
                Duration.ofMinutes(1), maxBlocks, "", new BeaconProperties.Embedded(java.nio.file.Path.of("unused"),
                        TestChain.ANVIL, 8545));
        return new BeaconIndexer(connection, properties, transactions, rollouts, jdbc, transactionManager);
    }
}
