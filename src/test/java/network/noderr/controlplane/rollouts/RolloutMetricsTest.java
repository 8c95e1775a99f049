package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The fleet and rollout metrics appear in the Prometheus scrape with the names monitoring relies on. */
@IntegrationTest
class RolloutMetricsTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    RolloutMetrics metrics;

    @Autowired
    Rollouts rollouts;

    @Test
    void scrapeHasNodeIngestAndVersionQueryMetrics() {
        var api = new ApiClient(port);
        var login = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ALL);
        api.post("/api/v1/health", Map.of("nodeId", login[0], "version", "9.9.9", "metrics",
                Map.of("uptime", 1, "cpu", 1, "memory", 1, "errors", 0), "timestamp", Instant.now().toString()),
                login[1]);
        api.get("/api/v1/version/" + login[0], login[1]);
        metrics.refresh(rollouts);

        var scrape = new org.springframework.web.client.RestTemplate();
        var headers = new org.springframework.http.HttpHeaders();
        headers.setBearerAuth(IntegrationTest.ADMIN_TOKEN);
        var body = scrape.exchange("http://localhost:" + port + "/actuator/prometheus",
                        org.springframework.http.HttpMethod.GET, new org.springframework.http.HttpEntity<>(headers),
                        String.class)
                .getBody();
        assertThat(body)
                .contains("noderr_nodes{")
                .contains("version=\"9.9.9\"")
                .contains("noderr_health_reports_total")
                .contains("noderr_version_query_seconds_count")
                .contains("noderr_version_query_seconds_bucket{");
    }
}
