package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.rollouts.engine.Cohort;
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

        var canary = query.counts(UUID.randomUUID(), Tier.ORACLE, target).get(Cohort.CANARY);

        assertThat(canary.updated()).isEqualTo(5);
        assertThat(canary.healthy()).as("healthy").isEqualTo(1);
        assertThat(canary.unhealthy()).as("silent, stale and sick; not the fresh one").isEqualTo(3);
    }
}
