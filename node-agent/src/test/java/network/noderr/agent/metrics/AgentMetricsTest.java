package network.noderr.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The metric names and labels the monitoring rules rely on, and how they move. */
class AgentMetricsTest {

    @Test
    void followsTheRunningVersionAndTheLastUpdatesOutcome() throws Exception {
        var metrics = new AgentMetrics("GUARDIAN");
        metrics.runningVersion("1.0.0");
        metrics.updateFinished("ROLLED_BACK", 42_000);
        metrics.checked(Instant.ofEpochSecond(1_700_000_000));

        var text = scrape(metrics);
        assertThat(text).contains("node_version{tier=\"GUARDIAN\",version=\"1.0.0\"} 1.0")
                .contains("node_update_failed{tier=\"GUARDIAN\"} 1.0")
                .contains("node_updates_total{result=\"ROLLED_BACK\"} 1.0")
                .contains("node_last_check_timestamp_seconds 1.7E9");

        metrics.runningVersion("1.1.0");
        metrics.updateFinished("SUCCEEDED", 30_000);
        text = scrape(metrics);
        assertThat(text).contains("node_version{tier=\"GUARDIAN\",version=\"1.1.0\"} 1.0")
                .doesNotContain("version=\"1.0.0\"")
                .contains("node_update_failed{tier=\"GUARDIAN\"} 0.0");
    }

    @Test
    void countsRefusedUpdateReportsAndTheBuffersDroppedAndRefusedReports() throws Exception {
        var metrics = new AgentMetrics("ALL");
        metrics.updateReportRefused();
        metrics.buffer(12, 3, 2);
        assertThat(scrape(metrics)).contains("node_update_reports_refused_total 1.0")
                .contains("node_health_buffered_reports 12.0")
                .contains("node_health_reports_dropped 3.0")
                .contains("node_health_reports_refused 2.0");
    }

    private static String scrape(AgentMetrics metrics) throws Exception {
        var out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString();
    }
}
