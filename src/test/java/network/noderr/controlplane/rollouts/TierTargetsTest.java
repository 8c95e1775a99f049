package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The version query's cached tier state is dropped when a change commits, not before: a query answered between the
 * change and its commit (from another connection, so from the old state) must not leave that old state cached.
 * Uses tier ORACLE and aborts its rollouts after each test.
 */
@IntegrationTest
class TierTargetsTest {

    @Autowired
    Rollouts rollouts;

    @Autowired
    TierTargets targets;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PlatformTransactionManager transactionManager;

    @AfterEach
    void abort() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
        targets.invalidate(Tier.ORACLE);
    }

    @Test
    void aQueryBetweenAChangeAndItsCommitDoesNotLeaveTheOldStateCached() {
        abort();
        var version = "7." + (System.nanoTime() % 100_000) + ".0";
        var view = rollouts.start(new NewRelease(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                "sha256:" + "e".repeat(64), "0x" + "f".repeat(64), null), RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, "test");
        assertThat(status()).as("the start dropped the entry when it committed").isEqualTo(RolloutStatus.ACTIVE);

        new TransactionTemplate(transactionManager).executeWithoutResult(tx -> {
            rollouts.pause(view.id(), "test", "cache check");
            var meanwhile = CompletableFuture.supplyAsync(this::status).join();
            assertThat(meanwhile).as("another connection sees the committed state").isEqualTo(RolloutStatus.ACTIVE);
        });

        assertThat(status()).as("after the commit").isEqualTo(RolloutStatus.PAUSED);
    }

    private RolloutStatus status() {
        var rollout = targets.get(Tier.ORACLE).rollout();
        assertThat(rollout).isNotNull();
        return rollout.status();
    }
}
