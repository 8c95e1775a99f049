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
import network.noderr.controlplane.rollouts.engine.Rollout;
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

    /** A rollout of {@link #target} with the canary active (the default split). */
    private Rollout canaryActive() {
        return RolloutEngine.start(Rollout.pending(target, RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT),
                Instant.now());
    }

    @AfterEach
    void removeNodes() {
        jdbc.sql("DELETE FROM update_reports WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM applications WHERE operator_name LIKE :p").param("p", prefix + "%").update();
    }

    /** An approved application (an operator) whose nodes {@link #ofOperator} can place. */
    private UUID application(String name) {
        return jdbc.sql("""
                        INSERT INTO applications (operator_name, email, wallet_address, requested_tier, cpu_cores,
                            memory_gb, disk_gb, network_mbps, gpu, status)
                        VALUES (:name, 'op@example.org', '0x0000000000000000000000000000000000000001', 'ORACLE', 4, 8,
                            100, 100, false, 'APPROVED')
                        RETURNING id""")
                .param("name", prefix + name).query(UUID.class).single();
    }

    private void ofOperator(String node, UUID application) {
        jdbc.sql("UPDATE nodes SET application_id = :app WHERE node_id = :id")
                .param("app", application).param("id", prefix + node).update();
    }

    private void node(String name, Instant registered, Instant lastHealth, String health) {
        node(name, registered, lastHealth, health, target);
    }

    private void node(String name, Instant registered, Instant lastHealth, String health, String version) {
        var id = prefix + name;
        TestNodes.insert(jdbc, id, "ORACLE");
        jdbc.sql("UPDATE nodes SET registered_at = :at WHERE node_id = :id")
                .param("at", Timestamp.from(registered)).param("id", id).update();
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                            last_health_check) VALUES (:id, 'ORACLE', :v, 'canary', :h, :at)""")
                .param("id", id).param("v", version).param("h", health)
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

        var canary = query.counts(UUID.randomUUID(), Tier.ORACLE, canaryActive()).get(Cohort.CANARY);

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

            var afterOutage = query.counts(UUID.randomUUID(), Tier.ORACLE, canaryActive())
                    .get(Cohort.CANARY);
            assertThat(afterOutage.updated()).isEqualTo(10);
            assertThat(afterOutage.unhealthy()).as("silence the control plane could not hear").isZero();
            assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, afterOutage, RolloutThresholds.DEFAULT))
                    .as("no automatic rollback for the control plane's own outage").isEmpty();
        } finally {
            TestReporting.steady(jdbc);
        }
        var steady = query.counts(UUID.randomUUID(), Tier.ORACLE, canaryActive()).get(Cohort.CANARY);
        assertThat(steady.unhealthy()).as("the silent and both stale nodes").isEqualTo(3);
        assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, steady, RolloutThresholds.DEFAULT))
                .as("3 of 10 silent while the control plane listened: over the 10 %% limit").isNotEmpty();
    }

    /**
     * The nodes on an earlier release, which the release's nodes are compared with: any version but the target, by
     * the same unhealthy rule (silent ones too); not a node that runs no release (no version, or the agent's
     * "unknown"), nor a suspended one. Counted over the whole tier (other tests' nodes included, hence the
     * difference).
     */
    @Test
    void nodesOnAnEarlierReleaseAreCountedWithTheirUnhealthyOnes() {
        var before = RolloutEngine.Baseline.of(query.counts(UUID.randomUUID(), Tier.ORACLE, canaryActive()));
        var now = Instant.now();
        node("old-healthy", now.minus(Duration.ofDays(1)), now, "healthy", "1.0.0");
        node("old-sick", now.minus(Duration.ofDays(1)), now, "unhealthy", "1.0.0");
        node("old-silent", now.minus(Duration.ofDays(1)), now.minus(Duration.ofHours(2)), "healthy", "0.9.0");
        node("old-degraded", now.minus(Duration.ofDays(1)), now, "degraded", "1.0.0");
        node("no-container", now.minus(Duration.ofDays(1)), now, "unhealthy", CohortCountsQuery.NO_VERSION);
        node("on-target", now.minus(Duration.ofDays(1)), now, "unhealthy");
        node("suspended", now.minus(Duration.ofDays(1)), now, "unhealthy", "1.0.0");
        jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id = :id").param("id", prefix + "suspended")
                .update();
        var id = prefix + "never-reported";
        TestNodes.insert(jdbc, id, "ORACLE");
        jdbc.sql("INSERT INTO node_versions (node_id, tier, cohort) VALUES (:id, 'ORACLE', 'canary')")
                .param("id", id).update();

        var after = RolloutEngine.Baseline.of(query.counts(UUID.randomUUID(), Tier.ORACLE, canaryActive()));

        assertThat(after.nodes() - before.nodes()).as("the four on 1.0.0 and 0.9.0").isEqualTo(4);
        assertThat(after.unhealthy() - before.unhealthy()).as("the sick and the silent one").isEqualTo(2);
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

        var canary = query.counts(rollout, Tier.ORACLE, canaryActive()).get(Cohort.CANARY);

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

        var canary = query.counts(rollout, Tier.ORACLE, canaryActive()).get(Cohort.CANARY);

        assertThat(canary.updateAttempts()).isEqualTo(40);
        assertThat(canary.updateFailures()).isEqualTo(4);
        assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, canary, RolloutThresholds.DEFAULT))
                .as("4 of 40 nodes (10 %) is over the 5 % error rate").get().asString()
                .contains("4 of 40 updates failed or rolled back");
    }

    /**
     * Operators behind a breach are distinct applications per cohort, however the cohort's nodes spread over
     * buckets (distinct counts do not add up bucket by bucket); a node without an application is an operator of its
     * own. Unhealthy nodes and failed attempts count their operators apart.
     */
    @Test
    void operatorsAreDistinctApplicationsPerCohortAndANodeWithoutOneIsItsOwn() {
        var rollout = UUID.randomUUID();
        var alpha = application("alpha");
        var beta = application("beta");
        var throughCohort1 = RolloutEngine.promote(canaryActive(), Instant.now());
        // cohort1 is buckets 5-29: alpha's four failing nodes in four buckets, beta's healthy ones
        int[] alphaBuckets = {5, 9, 17, 28};
        for (int i = 0; i < alphaBuckets.length; i++) {
            nodeInBucket("alpha-" + i, alphaBuckets[i]);
            ofOperator("alpha-" + i, alpha);
            report(rollout, "alpha-" + i, "FAILED");
        }
        for (int i = 0; i < 3; i++) {
            nodeInBucket("beta-" + i, 6 + i);
            ofOperator("beta-" + i, beta);
            report(rollout, "beta-" + i, "SUCCEEDED");
        }
        // canary (buckets 0-4): unhealthy nodes of alpha (two, in two buckets), of beta, and two without application
        for (int i = 0; i < 2; i++) {
            nodeInBucket("sick-alpha-" + i, i);
            ofOperator("sick-alpha-" + i, alpha);
        }
        nodeInBucket("sick-beta", 2);
        ofOperator("sick-beta", beta);
        nodeInBucket("sick-own-1", 3);
        nodeInBucket("sick-own-2", 3);
        jdbc.sql("UPDATE node_versions SET health_status = 'unhealthy' WHERE node_id LIKE :p")
                .param("p", prefix + "sick-%").update();
        report(rollout, "sick-own-1", "FAILED");
        report(rollout, "sick-own-2", "ROLLED_BACK");

        var counts = query.counts(rollout, Tier.ORACLE, throughCohort1);

        var cohort1 = counts.get(Cohort.COHORT1);
        assertThat(cohort1.updateFailures()).isEqualTo(4);
        assertThat(cohort1.failureOperators()).as("four failures, all of alpha").isEqualTo(1);
        assertThat(cohort1.unhealthy()).isZero();
        assertThat(cohort1.unhealthyOperators()).isZero();
        var canary = counts.get(Cohort.CANARY);
        assertThat(canary.unhealthy()).isEqualTo(5);
        assertThat(canary.unhealthyOperators()).as("alpha, beta, and each node without an application").isEqualTo(4);
        assertThat(canary.updateFailures()).isEqualTo(2);
        assertThat(canary.failureOperators()).as("two nodes without an application: two operators").isEqualTo(2);

        // alpha's four failures in cohort1 are a breach of enough nodes but of one operator: a pause, not a rollback
        var thresholds = RolloutThresholds.DEFAULT;
        assertThat(RolloutEngine.breach(Cohort.COHORT1, cohort1, thresholds)).get()
                .satisfies(b -> assertThat(b.automatic()).isFalse());
        assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, canary, thresholds))
                .as("5 unhealthy nodes of 4 operators").isPresent();

        // a node of another operator failing too makes it two
        nodeInBucket("gamma-0", 20);
        report(rollout, "gamma-0", "FAILED");
        var again = query.counts(rollout, Tier.ORACLE, throughCohort1).get(Cohort.COHORT1);
        assertThat(again.failureOperators()).isEqualTo(2);
        assertThat(RolloutEngine.rollbackReason(Cohort.COHORT1, again, thresholds)).get().asString()
                .contains("5 of 8 updates failed");
    }

    /** A node placed by its bucket (the default split: canary 0-4, cohort1 5-29, cohort2 30-54, ...). */
    private void nodeInBucket(String name, int bucket) {
        var id = prefix + name;
        TestNodes.insert(jdbc, id, "ORACLE");
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort, bucket, health_status,
                            last_health_check) VALUES (:id, 'ORACLE', :v, 'canary', :b, 'healthy', now())""")
                .param("id", id).param("v", target).param("b", bucket).update();
    }

    /**
     * Only a node the rollout told to update counts as an update attempt: one whose cohort the rollout has activated
     * (an active node of the tier). A node outside the active cohorts can report a failure (the API stores it), but
     * it never counts toward the error rate, so it cannot roll the release back.
     */
    @Test
    void onlyNodesOfActiveCohortsCountAsUpdateAttempts() {
        var rollout = UUID.randomUUID();
        for (int i = 0; i < 4; i++) {
            nodeInBucket("canary-" + i, i);
            report(rollout, "canary-" + i, i == 0 ? "FAILED" : "SUCCEEDED");
        }
        int[] outside = {5, 25, 45, 65, 85, 99}; // cohort1, cohort1, cohort2, cohort3, cohort4, cohort4
        for (int i = 0; i < outside.length; i++) {
            nodeInBucket("outside-" + i, outside[i]);
            report(rollout, "outside-" + i, "FAILED");
        }
        // A node without a bucket is placed by its stored cohort.
        node("legacy", Instant.now(), Instant.now(), "healthy");
        jdbc.sql("UPDATE node_versions SET cohort = 'cohort2' WHERE node_id = :id").param("id", prefix + "legacy")
                .update();
        report(rollout, "legacy", "ROLLED_BACK");
        var canaryOnly = canaryActive();

        var counts = query.counts(rollout, Tier.ORACLE, canaryOnly);

        assertThat(counts.get(Cohort.CANARY).updateAttempts()).isEqualTo(4);
        assertThat(counts.get(Cohort.CANARY).updateFailures()).isEqualTo(1);
        for (var inactive : new Cohort[] {Cohort.COHORT1, Cohort.COHORT2, Cohort.COHORT3, Cohort.COHORT4}) {
            assertThat(counts.get(inactive).updateAttempts()).as("%s was not told to update", inactive).isZero();
            assertThat(counts.get(inactive).nodes()).as("%s's nodes are still counted as nodes", inactive)
                    .isPositive();
        }
        assertThat(query.attempts(rollout, Tier.ORACLE, canaryOnly))
                .isEqualTo(new CohortCountsQuery.Attempts(4, 1));
        assertThat(jdbc.sql("SELECT count(*) FROM update_reports WHERE deployment_id = :id").param("id", rollout)
                .query(Long.class).single()).as("every report is stored").isEqualTo(11);
        var reconciled = RolloutEngine.reconcile(canaryOnly, counts, Instant.now());
        assertThat(reconciled.rolledBack()).isFalse();
        assertThat(reconciled.rollout().reason()).as("1 of 4 canary updates failed: too few to roll back")
                .startsWith("paused, no automatic rollback: canary: 1 of 4 updates failed");

        // Once cohort1 is active its nodes were told to update: their reports count from then on.
        var throughCohort1 = RolloutEngine.promote(canaryOnly, Instant.now());
        var later = query.counts(rollout, Tier.ORACLE, throughCohort1);
        assertThat(later.get(Cohort.COHORT1).updateAttempts()).isEqualTo(2);
        assertThat(later.get(Cohort.COHORT1).updateFailures()).isEqualTo(2);
        assertThat(later.get(Cohort.COHORT2).updateAttempts()).as("the legacy node's cohort2 is not active")
                .isZero();
        assertThat(query.attempts(rollout, Tier.ORACLE, throughCohort1))
                .isEqualTo(new CohortCountsQuery.Attempts(6, 3));

        // A suspended node's reports no longer count.
        jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id = :id").param("id", prefix + "canary-0")
                .update();
        assertThat(query.counts(rollout, Tier.ORACLE, canaryOnly).get(Cohort.CANARY))
                .extracting(c -> c.updateAttempts() + "/" + c.updateFailures()).isEqualTo("3/0");

        // A rollout that has not started counts no attempt at all.
        var pending = Rollout.pending(target, RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT);
        assertThat(query.attempts(rollout, Tier.ORACLE, pending)).isEqualTo(new CohortCountsQuery.Attempts(0, 0));
    }
}
