package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** One request the database refuses does not take the other requests of its group commit down with it. */
@IntegrationTest
class HealthIngestGroupTest {

    @Autowired
    HealthIngest ingest;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    javax.sql.DataSource dataSource;

    @Test
    void aRequestTheDatabaseRefusesFailsAloneAndTheRestOfItsGroupIsStored() {
        var prefix = "group-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        for (var name : List.of("a", "b", "bad")) {
            TestNodes.insert(jdbc, prefix + name, "ALL");
        }
        var now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var a = pending(prefix + "a", "1.0.0", now);
        // Past the API's checks only here: PostgreSQL refuses a NUL in text (SQLSTATE 22021), failing the COPY.
        var bad = pending(prefix + "bad", "1.0.0\u0000", now);
        var b = pending(prefix + "b", "1.0.0", now);

        ingest.commit(List.of(a, bad, b));

        assertThat(a.done()).isCompleted().isNotCompletedExceptionally();
        assertThat(b.done()).isCompleted().isNotCompletedExceptionally();
        assertThat(bad.done()).isCompletedExceptionally();
        assertThat(jdbc.sql("SELECT node_id FROM health_reports WHERE node_id LIKE :p ORDER BY node_id")
                .param("p", prefix + "%").query(String.class).list())
                .containsExactly(prefix + "a", prefix + "b");
    }

    /**
     * A real deadlock: another transaction holds node B's registry row and then asks for A's, while the group, which
     * locked A, waits for B. PostgreSQL rolls the group back (it waited first, so its deadlock check runs first); the
     * group is written again once B is free, every report once.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void aGroupRolledBackByADeadlockIsWrittenAgain() throws Exception {
        // PostgreSQL checks a waiting transaction for a deadlock once, a second after it began to wait. On a busy
        // machine the group's check can run before this test's transaction waits too, and then the later check
        // picks this test's transaction as the victim instead: the group is written without a retry, and the case
        // is tried again with new nodes.
        for (int attempt = 1; ; attempt++) {
            if (groupWasTheVictim(attempt)) {
                return;
            }
            assertThat(attempt).as("attempts in which the test's transaction, not the group, was rolled back")
                    .isLessThan(5);
        }
    }

    /** One try of the deadlock; true when the group was the one rolled back (and written again). */
    private boolean groupWasTheVictim(int attempt) throws Exception {
        var prefix = "deadlock-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        var a = prefix + "a";
        var b = prefix + "b";
        for (var node : List.of(a, b)) {
            TestNodes.insert(jdbc, node, "ALL");
            jdbc.sql("""
                            INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status)
                            VALUES (:id, 'ALL', '1.0.0', 'cohort1', 'healthy')""").param("id", node).update();
        }
        long deadlocksBefore = deadlocks();
        var now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var group = new HealthIngest.Pending(List.of(
                new HealthReport(a, "1.0.0", new HealthReport.Metrics(60L, 10.0, 20.0, 30.0, 0), now),
                new HealthReport(b, "1.0.0", new HealthReport.Metrics(60L, 10.0, 20.0, 30.0, 0), now)),
                new CompletableFuture<>());
        boolean groupRolledBack = true;
        try (var holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            lockRow(holder, b);
            var writing = CompletableFuture.runAsync(() -> ingest.commit(List.of(group)));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .pollInterval(java.time.Duration.ofMillis(20)).until(() -> jdbc.sql("""
                            SELECT count(*) FROM pg_stat_activity
                            WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE node_versions v SET%'""")
                    .query(Long.class).single() > 0);
            try {
                lockRow(holder, a); // waits for the group, which waits for b: a deadlock
                holder.commit();
            } catch (java.sql.SQLException e) {
                assertThat(e.getSQLState()).as("attempt %d: %s", attempt, e.getMessage()).isEqualTo("40P01");
                holder.rollback();
                groupRolledBack = false;
            }
            writing.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }

        assertThat(group.done()).isCompleted().isNotCompletedExceptionally();
        assertThat(deadlocksSince(deadlocksBefore)).as("a deadlock happened").isPositive();
        assertThat(jdbc.sql("SELECT node_id FROM health_reports WHERE node_id LIKE :p ORDER BY node_id")
                .param("p", prefix + "%").query(String.class).list())
                .as("every report once").containsExactly(a, b);
        return groupRolledBack;
    }

    private static void lockRow(java.sql.Connection c, String nodeId) throws java.sql.SQLException {
        try (var st = c.prepareStatement("UPDATE node_versions SET updated_at = now() WHERE node_id = ?")) {
            st.setString(1, nodeId);
            assertThat(st.executeUpdate()).isEqualTo(1);
        }
    }

    /**
     * How many deadlocks PostgreSQL counted since {@code before}, waited for up to 10 s: the backend that saw one
     * reports it to the cumulative statistics a moment later, not with the error.
     */
    private long deadlocksSince(long before) throws InterruptedException {
        var deadline = Instant.now().plusSeconds(10);
        long counted;
        while ((counted = deadlocks() - before) == 0 && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        return counted;
    }

    private long deadlocks() {
        return jdbc.sql("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
                .query(Long.class).single();
    }

    private static HealthIngest.Pending pending(String nodeId, String version, Instant at) {
        return new HealthIngest.Pending(
                List.of(new HealthReport(nodeId, version, new HealthReport.Metrics(60L, 10.0, 20.0, 30.0, 0), at)),
                new CompletableFuture<>());
    }
}
