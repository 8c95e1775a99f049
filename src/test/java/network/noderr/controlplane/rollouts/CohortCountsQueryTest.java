package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.TestReporting;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutEngine;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Who counts as updated, healthy and unhealthy in a cohort while a rollout runs. */
@IntegrationTest
class CohortCountsQueryTest {

    @Autowired
    CohortCountsQuery query;

    @Autowired
    JdbcClient jdbc;

    private final String prefix = "counts-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final String target = "7.7." + System.nanoTime() % 100_000;

    @AfterEach
    void removeNodes() {
        jdbc.sql("DELETE FROM update_reports WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
    }

    private void node(String name, Instant registered, Instant lastHealth, String health) {
        var id = prefix + name;
        TestNodes.insert(jdbc, id, "ORACLE");
        jdbc.sql("UPDATE nodes SET registered_at = :at WHERE node_id = :id")
                .param("at", Timestamp.from(registered)).param("id", id).update();
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                            last_health_check) VALUES (:id, 'ORACLE', :v, 'canary', :h, :at)""")
                .param("id", id).param("v", target).param("h", health)
                .param("at", lastHealth == null ? null : Timestamp.from(lastHealth)).update();
    }

    @Test
    void aNodeThatUpdatedBeforeItsFirstHealthReportIsNotUnhealthyUntilItHasBeenSilentTooLong() {
        var now = Instant.now();
        node("fresh", now, null, null); // registered, updated at once, no health report yet: pending
        node("silent", now.minus(Duration.ofHours(2)), null, null); // never reported in 2 h: silent
        node("stale", now.minus(Duration.ofDays(1)), now.minus(Duration.ofHours(2)), "healthy");
        node("healthy", now.minus(Duration.ofDays(1)), now, "healthy");
        node("sick", now.minus(Duration.ofDays(1)), now, "unhealthy");

        var canary = query.counts(UUID.randomUUID(), Tier.ORACLE, target, RolloutConfig.DEFAULT).get(Cohort.CANARY);

        assertThat(canary.updated()).isEqualTo(5);
        assertThat(canary.healthy()).as("healthy").isEqualTo(1);
        assertThat(canary.unhealthy()).as("silent, stale and sick; not the fresh one").isEqualTo(3);
    }

    /**
     * Right after an outage of the control plane (or its database) every node looks silent: none may count as
     * unhealthy, or the engine would roll back a healthy rollout because the control plane was down. Once it has taken
     * reports for a whole silence window, silence counts again.
     */
    @Test
    void silenceCountsOnlyOnceTheControlPlaneHasTakenReportsForAWholeWindow() {
        var now = Instant.now();
        node("silent", now.minus(Duration.ofHours(2)), null, null);
        node("stale-1", now.minus(Duration.ofDays(1)), now.minus(Duration.ofMinutes(20)), "healthy");
        node("stale-2", now.minus(Duration.ofDays(1)), now.minus(Duration.ofMinutes(20)), "healthy");
        for (int i = 0; i < 7; i++) {
            node("healthy-" + i, now.minus(Duration.ofDays(1)), now, "healthy");
        }
        try {
            TestReporting.since(jdbc, now.minus(Duration.ofMinutes(2))); // back from a 20-minute outage 2 min ago

            var afterOutage = query.counts(UUID.randomUUID(), Tier.ORACLE, target, RolloutConfig.DEFAULT)
                    .get(Cohort.CANARY);
            assertThat(afterOutage.updated()).isEqualTo(10);
            assertThat(afterOutage.unhealthy()).as("silence the control plane could not hear").isZero();
            assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, afterOutage, RolloutThresholds.DEFAULT))
                    .as("no automatic rollback for the control plane's own outage").isEmpty();
        } finally {
            TestReporting.steady(jdbc);
        }
        var steady = query.counts(UUID.randomUUID(), Tier.ORACLE, target, RolloutConfig.DEFAULT).get(Cohort.CANARY);
        assertThat(steady.unhealthy()).as("the silent and both stale nodes").isEqualTo(3);
        assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, steady, RolloutThresholds.DEFAULT))
                .as("3 of 10 silent while the control plane listened: over the 10 %% limit").isNotEmpty();
    }

    private void report(UUID rollout, String name, String result) {
        jdbc.sql("""
                        INSERT INTO update_reports (node_id, tier, cohort, deployment_id, from_version, to_version,
                            result, duration_ms, reported_at)
                        VALUES (:node, 'ORACLE', 'canary', :rollout, '1.0.0', :to, :result, 1000, clock_timestamp())""")
                .param("node", prefix + name).param("rollout", rollout).param("to", target).param("result", result)
                .update();
    }

    @Test
    void theErrorRateCountsEachNodesLatestReportOnceNotEveryRetry() {
        var now = Instant.now();
        var rollout = UUID.randomUUID();
        for (int i = 0; i < 40; i++) {
            node("n" + i, now, now, "healthy");
        }
        for (int retry = 0; retry < 25; retry++) {
            report(rollout, "n0", "ROLLED_BACK"); // one node retrying a failing update over and over
        }
        report(rollout, "n1", "FAILED");
        report(rollout, "n1", "SUCCEEDED"); // failed, then succeeded: counts as succeeded
        for (int i = 2; i < 40; i++) {
            report(rollout, "n" + i, "SUCCEEDED");
        }

        var canary = query.counts(rollout, Tier.ORACLE, target, RolloutConfig.DEFAULT).get(Cohort.CANARY);

        assertThat(canary.updateAttempts()).as("one attempt per node").isEqualTo(40);
        assertThat(canary.updateFailures()).as("only n0's latest report failed").isEqualTo(1);
        assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, canary, RolloutThresholds.DEFAULT))
                .as("1 of 40 nodes (2.5 %) is under the 5 % error rate").isEmpty();
    }

    @Test
    void manyDistinctFailingNodesCrossTheErrorRate() {
        var now = Instant.now();
        var rollout = UUID.randomUUID();
        for (int i = 0; i < 40; i++) {
            node("n" + i, now, now, "healthy");
            report(rollout, "n" + i, i < 3 ? "FAILED" : i < 4 ? "ROLLED_BACK" : "SUCCEEDED");
        }

        var canary = query.counts(rollout, Tier.ORACLE, target, RolloutConfig.DEFAULT).get(Cohort.CANARY);

        assertThat(canary.updateAttempts()).isEqualTo(40);
        assertThat(canary.updateFailures()).isEqualTo(4);
        assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, canary, RolloutThresholds.DEFAULT))
                .as("4 of 40 nodes (10 %) is over the 5 % error rate").get().asString()
                .contains("4 of 40 updates failed or rolled back");
    }
}
