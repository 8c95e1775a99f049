package network.noderr.controlplane.overview;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.live.LiveEvents;
import network.noderr.controlplane.nodes.NodeChanged;
import network.noderr.controlplane.nodes.NodeRegistry;
import network.noderr.controlplane.rollouts.NewRelease;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The overview aggregate on real PostgreSQL: node counts by tier, status, health and version, open rollouts and
 * firing alerts; a live change is never answered from the cache.
 */
@IntegrationTest
class OverviewQueryTest {

    static final String SECRET = "test-alert-webhook-secret-0123456789";

    @LocalServerPort
    int port;

    @Autowired
    OverviewQuery overview;

    @Autowired
    NodeRegistry registry;

    @Autowired
    LiveEvents live;

    @Autowired
    Rollouts rollouts;

    @Autowired
    ApplicationEventPublisher publisher;

    @Autowired
    JdbcClient jdbc;

    final String prefix = "ov-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    @AfterEach
    void cleanUp() {
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    @Test
    void countsTheFleetByTierStatusHealthAndVersion() {
        var before = overview.current();
        var version = "7." + (System.nanoTime() % 100_000) + ".0";
        node("g1", "GUARDIAN", version, "healthy");
        node("g2", "GUARDIAN", version, "healthy");
        node("g3", "GUARDIAN", version, "unhealthy");
        node("g4", "GUARDIAN", null, null);
        node("a1", "ALL", version, "degraded");
        jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id = :id").param("id", prefix + "a1").update();

        var after = changedSince(before);

        assertThat(after.totalNodes() - before.totalNodes()).isEqualTo(5);
        assertThat(after.suspendedNodes() - before.suspendedNodes()).isEqualTo(1);
        assertThat(after.activeNodes() - before.activeNodes()).isEqualTo(4);
        assertThat(after.health().healthy() - before.health().healthy()).isEqualTo(2);
        assertThat(after.health().unhealthy() - before.health().unhealthy()).isEqualTo(1);
        assertThat(after.health().degraded() - before.health().degraded()).as("the suspended node's").isZero();
        assertThat(after.health().unknown() - before.health().unknown()).isEqualTo(1);
        assertThat(tier(after, Tier.GUARDIAN).nodes() - tier(before, Tier.GUARDIAN).nodes()).isEqualTo(4);
        assertThat(tier(after, Tier.ALL).suspended() - tier(before, Tier.ALL).suspended()).isEqualTo(1);
        assertThat(tier(after, Tier.GUARDIAN).versions()).anySatisfy(v -> assertThat(v.label()).isEqualTo(version));
        assertThat(tier(after, Tier.ALL).versions()).as("the suspended node's version")
                .noneSatisfy(v -> assertThat(v.label()).isEqualTo(version));
        // The version column is aggregated by the registry's single GROUP BY.
        assertThat(registry.counts()).filteredOn(c -> version.equals(c.version()))
                .extracting(c -> c.tier() + "/" + c.status() + "/" + c.health() + "=" + c.nodes())
                .containsExactlyInAnyOrder("GUARDIAN/ACTIVE/healthy=2", "GUARDIAN/ACTIVE/unhealthy=1",
                        "ALL/SUSPENDED/degraded=1");
    }

    @Test
    void listsOpenRolloutsAndFiringAlerts() {
        var before = overview.current();
        var version = "8." + (System.nanoTime() % 100_000) + ".0";
        rollouts.start(new NewRelease(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                "sha256:" + "a".repeat(64), "0x" + "b".repeat(64), null), RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, "test");
        var alertName = "OverviewProbe" + System.nanoTime();
        var delivered = new ApiClient(port).post("/api/v1/alerts", Map.of("version", "4", "status", "firing",
                "alerts", List.of(Map.of("status", "firing",
                        "labels", Map.of("alertname", alertName, "severity", "warning"),
                        "annotations", Map.of("summary", "probe"),
                        "startsAt", Instant.now().toString(),
                        "fingerprint", UUID.randomUUID().toString().substring(0, 16)))), SECRET);
        assertThat(delivered.status()).isEqualTo(200);

        // Both changes publish live events: the next overview is computed afresh, not served from the cache.
        var after = awaitOverview(o -> o.firingAlerts() > before.firingAlerts()
                && o.openRollouts().stream().anyMatch(r -> r.versionString().equals(version)));
        assertThat(after.sequence()).isGreaterThan(before.sequence());
        assertThat(after.recentAlerts()).extracting(a -> a.name()).contains(alertName);
        assertThat(after.recentAlerts().getFirst().status()).isEqualTo("firing");
        assertThat(after.openRollouts()).filteredOn(r -> r.versionString().equals(version)).singleElement()
                .satisfies(r -> {
                    assertThat(r.tier()).isEqualTo(Tier.ORACLE);
                    assertThat(r.cohorts()).hasSize(5);
                });
    }

    private void node(String suffix, String tier, String version, String health) {
        var id = prefix + suffix;
        TestNodes.insert(jdbc, id, tier);
        if (version != null) {
            jdbc.sql("""
                            INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                                       last_health_check)
                            VALUES (:id, :tier, :version, 'cohort1', :health, now())""")
                    .param("id", id)
                    .param("tier", tier)
                    .param("version", version)
                    .param("health", health)
                    .update();
        }
    }

    /** Rows written straight to the database publish nothing; announce them as the registry would. */
    private Overview changedSince(Overview before) {
        publisher.publishEvent(new NodeChanged(prefix + "g1", NodeChanged.Kind.REGISTERED));
        return awaitOverview(o -> o.sequence() > before.sequence() && o.totalNodes() >= before.totalNodes() + 5);
    }

    private Overview awaitOverview(java.util.function.Predicate<Overview> ready) {
        return Awaitility.await("the overview shows the change")
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(overview::current, ready);
    }

    private static Overview.TierOverview tier(Overview o, Tier tier) {
        return o.tiers().stream().filter(t -> t.tier() == tier).findFirst().orElseThrow();
    }
}
