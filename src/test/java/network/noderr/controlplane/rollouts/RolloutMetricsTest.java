package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.shared.Tier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

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

    @Autowired
    JdbcClient jdbc;

    @Autowired
    MeterRegistry registry;

    /**
     * Prometheus scrapes every replica and the rules take one replica's counts, so a replica that is not running
     * the reconcile (another holds its lock) must still export current ones.
     */
    @Test
    void theFleetGaugesFollowTheRegistryWhileAnotherReplicaHoldsTheReconcileLock() {
        jdbc.sql("""
                        INSERT INTO shedlock (name, lock_until, locked_at, locked_by)
                        VALUES ('rollout-reconcile', now() + interval '1 hour', now(), 'another-replica')
                        ON CONFLICT (name) DO UPDATE SET lock_until = EXCLUDED.lock_until,
                            locked_at = EXCLUDED.locked_at, locked_by = EXCLUDED.locked_by""")
                .update();
        try {
            var version = "8.8." + (System.nanoTime() % 1000);
            for (int i = 0; i < 3; i++) {
                var id = "metrics-lock-" + version + "-" + i;
                TestNodes.insert(jdbc, id, "GUARDIAN");
                jdbc.sql("""
                                INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                                           last_health_check)
                                VALUES (:id, 'GUARDIAN', :v, 'cohort1', 'healthy', now())""")
                        .param("id", id).param("v", version).update();
            }
            Awaitility.await("the gauge shows the new nodes").atMost(Duration.ofSeconds(40)).untilAsserted(() ->
                    assertThat(registry.find("noderr.nodes").tags("tier", "GUARDIAN", "version", version,
                            "health", "healthy").gauge()).isNotNull()
                            .extracting(g -> g.value()).isEqualTo(3.0));
        } finally {
            jdbc.sql("DELETE FROM shedlock WHERE name = 'rollout-reconcile' AND locked_by = 'another-replica'")
                    .update();
        }
    }

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
