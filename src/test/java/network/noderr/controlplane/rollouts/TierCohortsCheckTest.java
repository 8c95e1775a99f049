package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.config.ScheduledTaskHolder;

/**
 * A replica that stops in the middle of a re-assignment leaves some stored cohorts stale; the regular check on a
 * running replica finishes it, without waiting for a restart.
 */
@IntegrationTest
class TierCohortsCheckTest {

    private static final String NODE = "tier-cohorts-stale";

    @Autowired
    TierCohorts cohorts;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    ScheduledTaskHolder scheduled;

    @AfterEach
    void remove() {
        jdbc.sql("DELETE FROM node_versions WHERE node_id = :id").param("id", NODE).update();
        jdbc.sql("DELETE FROM nodes WHERE node_id = :id").param("id", NODE).update();
    }

    @Test
    void theRegularCheckMovesANodeLeftInAStaleCohort() {
        int bucket = 2;
        var expected = CohortAssignment.cohortOf(bucket, cohorts.config(Tier.ALL)).wireName();
        var stale = expected.equals("cohort4") ? "cohort3" : "cohort4";
        TestNodes.insert(jdbc, NODE, "ALL");
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort, bucket)
                        VALUES (:id, 'ALL', '1.0.0', :cohort, :bucket)""")
                .param("id", NODE)
                .param("cohort", stale)
                .param("bucket", bucket)
                .update();

        cohorts.check();

        assertThat(jdbc.sql("SELECT cohort FROM node_versions WHERE node_id = :id").param("id", NODE)
                        .query(String.class).single())
                .isEqualTo(expected);
    }

    @Test
    void theCheckIsScheduled() {
        // A task names its method (the runnable may be wrapped, e.g. to track outcomes).
        assertThat(scheduled.getScheduledTasks()).map(t -> t.getTask().toString())
                .contains(TierCohorts.class.getName() + ".check");
    }
}
