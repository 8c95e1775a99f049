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

    private static HealthIngest.Pending pending(String nodeId, String version, Instant at) {
        return new HealthIngest.Pending(
                List.of(new HealthReport(nodeId, version, new HealthReport.Metrics(60L, 10.0, 20.0, 30.0, 0), at)),
                new CompletableFuture<>());
    }
}
