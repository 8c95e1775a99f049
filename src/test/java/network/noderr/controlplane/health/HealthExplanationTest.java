package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Node details says why a node is degraded or unhealthy: the limits its latest report crossed, or its silence. */
@IntegrationTest
class HealthExplanationTest {

    @Autowired
    HealthHistoryService service;

    @Autowired
    HealthIngest ingest;

    @Autowired
    SilentNodes silentNodes;

    @Autowired
    JdbcClient jdbc;

    String node;

    @BeforeEach
    void node() {
        node = "why-" + UUID.randomUUID().toString().substring(0, 8);
        TestNodes.insert(jdbc, node, "ALL");
        jdbc.sql("INSERT INTO node_versions (node_id, tier, current_version, cohort) VALUES (?, 'ALL', '1.0.0', 'cohort1')")
                .param(node)
                .update();
    }

    @Test
    void aNodeThatNeverReportedOrIsHealthyHasNothingToExplain() {
        assertThat(service.explain(node)).isEqualTo(new HealthExplanation(null, List.of()));
        report(Instant.now(), 40, 50, 0);
        assertThat(service.explain(node)).isEqualTo(new HealthExplanation("healthy", List.of()));
        assertThat(service.explain("no-such-node")).isNull();
    }

    @Test
    void theLimitsTheLatestReportCrossedTheWorstFirst() {
        report(Instant.now().minusSeconds(60), 99, 99, 30);
        report(Instant.now(), 88, 97.25, 2);
        assertThat(service.explain(node)).isEqualTo(new HealthExplanation("unhealthy", List.of(
                "memory 97.2 % (unhealthy from 95 %)",
                "CPU 88 % (degraded from 85 %)",
                "2 errors in the report (degraded from 1)")));

        report(Instant.now().plusSeconds(1), 10, 10, 1);
        assertThat(service.explain(node)).as("follows the newest report")
                .isEqualTo(new HealthExplanation("degraded", List.of("1 error in the report (degraded from 1)")));
    }

    @Test
    void aSilentNodeIsUnhealthyForItsSilenceWhateverItsLastReportSaid() {
        var last = Instant.now().minus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.MICROS);
        report(last, 90, 10, 0);
        silentNodes.markSilentSince(Instant.now().minus(Duration.ofMinutes(15)));

        var why = service.explain(node);
        assertThat(why.status()).isEqualTo("unhealthy");
        assertThat(why.reasons()).hasSize(2);
        assertThat(why.reasons().getFirst())
                .matches("no report for 20 min \\(unhealthy after 15 min without one\\)");
        assertThat(why.reasons().get(1)).as("what the last report said, too").isEqualTo("CPU 90 % (degraded from 85 %)");
    }

    @Test
    void anUnhealthyReportIsNotCalledSilence() {
        var last = Instant.now().minus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.MICROS);
        report(last, 10, 10, 12);
        silentNodes.markSilentSince(Instant.now().minus(Duration.ofMinutes(15)));
        assertThat(service.explain(node).reasons()).containsExactly("12 errors in the report (unhealthy from 10)");
    }

    @Test
    void spans() {
        assertThat(HealthHistory.span(Duration.ofSeconds(-5))).isEqualTo("0 s");
        assertThat(HealthHistory.span(Duration.ofSeconds(59))).isEqualTo("59 s");
        assertThat(HealthHistory.span(Duration.ofSeconds(60 * 17 + 59))).isEqualTo("17 min");
        assertThat(HealthHistory.span(Duration.ofMinutes(60))).isEqualTo("1 h");
        assertThat(HealthHistory.span(Duration.ofMinutes(185))).isEqualTo("3 h 5 min");
        assertThat(HealthHistory.span(Duration.ofHours(24))).isEqualTo("1 day");
        assertThat(HealthHistory.span(Duration.ofHours(52).plusMinutes(59))).isEqualTo("2 days 4 h");
    }

    private void report(Instant at, double cpu, double memory, int errors) {
        ingest.ingest(List.of(new HealthReport(node, "1.0.0", new HealthReport.Metrics(60L, cpu, memory, 30.0, errors),
                at.truncatedTo(ChronoUnit.MICROS))));
    }
}
