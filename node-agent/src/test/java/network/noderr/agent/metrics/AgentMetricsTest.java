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

    /** {@code metrics-address}: the endpoint answers on that address only (127.0.0.2 and 127.0.0.1 are both local). */
    @Test
    void servesOnTheGivenAddressOnly() throws Exception {
        int port;
        try (var probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (var metrics = new AgentMetrics("ALL")) {
            metrics.serve(java.net.InetAddress.getByName("127.0.0.2"), port);
            var http = java.net.http.HttpClient.newHttpClient();
            var answer = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.2:" + port + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("node_update_failed");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> new java.net.Socket("127.0.0.1", port).close())
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    /** An address that is not this host's is named as such, not taken for a port in use. */
    @Test
    void anAddressOfAnotherHostIsNamed() throws Exception {
        try (var metrics = new AgentMetrics("ALL")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> metrics.serve(java.net.InetAddress.getByName("192.0.2.1"), 9101))
                    .isInstanceOf(AgentMetrics.AddressUnavailable.class)
                    .hasMessageContaining("cannot listen on metrics-address 192.0.2.1")
                    .hasMessageContaining("is it an address of this host?");
        }
    }

    private static String scrape(AgentMetrics metrics) throws Exception {
        var out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString();
    }
}
