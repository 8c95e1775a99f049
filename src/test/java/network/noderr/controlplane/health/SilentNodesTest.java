package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.event.ApplicationEvents;
import org.springframework.test.context.event.RecordApplicationEvents;

/** DESIGN §4: no report for three report intervals makes a node unhealthy, everywhere its health is shown. */
@IntegrationTest
@RecordApplicationEvents
class SilentNodesTest {

    @Autowired
    SilentNodes silentNodes;

    @Autowired
    HealthIngest ingest;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    ApplicationEvents events;

    String prefix;

    @BeforeEach
    void prefix() {
        prefix = "silent-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    @Test
    void aNodeWhoseLatestReportIsOlderThanTheWindowBecomesUnhealthyUntilItReportsAgain() {
        // Times well inside the scheduled check's own window, so only this call marks them.
        var now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        var cutoff = now.minus(Duration.ofMinutes(2));
        node("quiet", "healthy", cutoff.minusSeconds(1));
        node("at-cutoff", "degraded", cutoff);
        node("recent", "healthy", cutoff.plusSeconds(30));
        node("never", null, null);
        node("down", "unhealthy", cutoff.minusSeconds(60));

        var marked = silentNodes.markSilentSince(cutoff);

        assertThat(marked).contains(prefix + "quiet", prefix + "at-cutoff")
                .doesNotContain(prefix + "recent", prefix + "never", prefix + "down");
        assertThat(health("quiet")).isEqualTo("unhealthy");
        assertThat(health("at-cutoff")).isEqualTo("unhealthy");
        assertThat(health("recent")).isEqualTo("healthy");
        assertThat(health("never")).as("never reported stays unclassified").isNull();
        assertThat(lastReport("quiet")).as("the last report time is kept").isEqualTo(cutoff.minusSeconds(1));
        assertThat(events.stream(HealthReported.class))
                .as("announced, so the lists and open screens follow")
                .anySatisfy(e -> assertThat(e.changedNodeIds()).contains(prefix + "quiet", prefix + "at-cutoff"));
        assertThat(silentNodes.markSilentSince(cutoff)).as("marked once").doesNotContain(prefix + "quiet");

        ingest.ingest(List.of(report("quiet", Instant.now(), 10)));
        assertThat(health("quiet")).as("its next report classifies it again").isEqualTo("healthy");
    }

    @Test
    void aLateReportAlreadyOlderThanTheWindowLeavesTheNodeUnhealthy() {
        var late = Instant.now().minus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.MICROS);
        node("late", "unhealthy", late.minus(Duration.ofHours(1)));

        ingest.ingest(List.of(report("late", late, 10)));

        assertThat(lastReport("late")).isEqualTo(late);
        assertThat(health("late")).as("a 20-minute-old report of good metrics does not make it healthy")
                .isEqualTo("unhealthy");
    }

    private void node(String suffix, @Nullable String health, @Nullable Instant lastReport) {
        TestNodes.insert(jdbc, prefix + suffix, "ALL");
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                                   last_health_check)
                        VALUES (:id, 'ALL', '1.0.0', 'cohort1', :health, :at)""")
                .param("id", prefix + suffix)
                .param("health", health)
                .param("at", lastReport == null ? null : Timestamp.from(lastReport))
                .update();
    }

    private HealthReport report(String suffix, Instant at, double cpu) {
        return new HealthReport(prefix + suffix, "1.0.0", new HealthReport.Metrics(60L, cpu, 20.0, 30.0, 0), at);
    }

    private @Nullable String health(String suffix) {
        return jdbc.sql("SELECT health_status FROM node_versions WHERE node_id = :id").param("id", prefix + suffix)
                .query(String.class).optional().orElse(null);
    }

    private Instant lastReport(String suffix) {
        return jdbc.sql("SELECT last_health_check FROM node_versions WHERE node_id = :id")
                .param("id", prefix + suffix).query(Timestamp.class).single().toInstant();
    }
}
