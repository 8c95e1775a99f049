package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An automatic rollback of a tier's first release has nothing earlier to return to (the beacon rolls back only to
 * an earlier release): the tier stays on that release, and the API says so instead of naming no version.
 */
@IntegrationTest
class FirstReleaseRollbackTest {

    private static final Tier TIER = Tier.ALL;

    @LocalServerPort
    int port;

    @Autowired
    Rollouts rollouts;

    @Autowired
    JdbcClient jdbc;

    private final String prefix = "first-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final String version = "0.1." + (System.nanoTime() % 1_000_000);
    private TierIsolation isolation;
    private UUID releaseId;
    private Timestamp publishedAt;

    @BeforeEach
    void isolateTheTier() {
        abortOpen();
        isolation = TierIsolation.of(jdbc, TIER);
    }

    @AfterEach
    void cleanUp() {
        abortOpen();
        if (releaseId != null) {
            jdbc.sql("UPDATE releases SET created_at = :at WHERE id = :id")
                    .param("at", publishedAt).param("id", releaseId).update();
        }
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
        isolation.restore();
    }

    private void abortOpen() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = :t AND status IN ('pending', 'active', "
                + "'paused')").param("t", TIER.name()).update();
    }

    private RolloutView startFirstRelease() {
        var rollout = rollouts.start(new NewRelease(TIER, version, "registry.noderr.network/all:" + version,
                "sha256:" + "1".repeat(64), "0x" + "2".repeat(64), null), RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, "test");
        // The shared test database has releases and rollouts in every tier from other tests: started from nothing and
        // dated before all of them, this one is the tier's first.
        jdbc.sql("UPDATE deployments SET from_version = NULL WHERE id = :id").param("id", rollout.id()).update();
        releaseId = jdbc.sql("SELECT release_id FROM deployments WHERE id = :id").param("id", rollout.id())
                .query(UUID.class).single();
        publishedAt = jdbc.sql("SELECT created_at FROM releases WHERE id = :id").param("id", releaseId)
                .query(Timestamp.class).single();
        jdbc.sql("""
                        UPDATE releases SET created_at = (SELECT min(created_at) FROM releases WHERE tier = :t)
                            - interval '1 day'
                        WHERE id = :id""")
                .param("t", TIER.name()).param("id", releaseId).update();
        return rollout;
    }

    private void unhealthyCanaryNodes(int count) {
        for (int i = 0; i < count; i++) {
            TestNodes.insertUnhealthy(jdbc, prefix + i, TIER.name(), version, "canary");
        }
    }

    @Test
    void aPauseForADecisionOnTheFirstReleaseOffersNoRollback() {
        var rollout = startFirstRelease();
        // Two canary nodes unhealthy: over the limit, but fewer than the minimum sample of 3 behind it.
        unhealthyCanaryNodes(2);

        rollouts.reconcileAll();

        var paused = rollouts.get(rollout.id());
        assertThat(paused.status()).isEqualTo("paused");
        assertThat(paused.reason()).startsWith("paused, no automatic rollback: canary: 2 of 2")
                .endsWith("(fewer than the minimum sample of 3): resume or abort (no rollback: ALL has no earlier"
                        + " release to return to)")
                .doesNotContain("roll back or abort");
        assertThat(paused.timeline().getLast().event()).isEqualTo(paused.reason());
        var alerts = new ApiClient(port).get("/api/v1/admin/alerts?status=firing", IntegrationTest.ADMIN_TOKEN)
                .body();
        assertThat(java.util.stream.StreamSupport.stream(alerts.spliterator(), false)
                .filter(a -> a.path("name").asText().equals("RollbackDecisionNeeded"))
                .map(a -> a.path("summary").asText()))
                .contains("Rollout of ALL " + version + " paused for a decision: " + paused.reason());
    }

    @Test
    void anAutomaticRollbackOfTheFirstReleaseKeepsTheTierOnItAndSaysToPublishAFix() {
        var rollout = startFirstRelease();
        // Three canary nodes updated and turned unhealthy: over the limit, with the minimum sample behind it.
        unhealthyCanaryNodes(3);

        rollouts.reconcileAll();

        var nothingEarlier = "ALL has no earlier release to return to: it stays on " + version
                + " (nodes that updated keep running it) until you publish a fixed release";
        var api = new ApiClient(port);
        var status = api.get("/api/v1/rollout/status?tier=ALL", IntegrationTest.ADMIN_TOKEN);
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.text("rolloutPhase")).isEqualTo("rolled_back");
        assertThat(status.body().path("currentVersion").isNull()).as("currentVersion: %s", status.body()).isFalse();
        assertThat(status.text("currentVersion")).isEqualTo(version);
        assertThat(status.text("targetVersion")).isEqualTo(version);
        assertThat(status.text("message")).endsWith(nothingEarlier);

        var view = rollouts.get(rollout.id());
        assertThat(view.status()).isEqualTo("rolled_back");
        assertThat(view.reason()).startsWith("automatic rollback: canary:").endsWith("; " + nothingEarlier);
        assertThat(view.phaseMessage()).isEqualTo(view.reason());
        assertThat(view.timeline().getLast().event()).isEqualTo(view.reason());
        assertThat(jdbc.sql("SELECT count(*) FROM tier_emergencies WHERE tier = :t").param("t", TIER.name())
                .query(Long.class).single()).as("no rollback to put in force").isZero();

        // The Releases screen's tier (the chain's view, which keeps pointing at the release) says so too.
        var tier = api.get("/api/v1/admin/beacon", IntegrationTest.ADMIN_TOKEN).body().path("tiers").get(0);
        assertThat(tier.path("tier").asText()).isEqualTo("ALL");
        assertThat(tier.path("rolledBack").path("version").asText()).isEqualTo(version);
        assertThat(tier.path("rolledBack").path("rolloutId").asText()).isEqualTo(rollout.id().toString());
        assertThat(tier.path("rolledBack").path("message").asText()).isEqualTo(status.text("message"));

        var admin = api.get("/api/v1/admin/rollouts/" + rollout.id(), IntegrationTest.ADMIN_TOKEN);
        assertThat(admin.text("reason")).endsWith(nothingEarlier);
        var alerts = api.get("/api/v1/admin/alerts?status=firing", IntegrationTest.ADMIN_TOKEN).body();
        assertThat(java.util.stream.StreamSupport.stream(alerts.spliterator(), false)
                .filter(a -> a.path("name").asText().equals("AutomaticRollback"))
                .map(a -> a.path("summary").asText()))
                .contains("Automatic rollback of ALL " + version + ": " + view.reason());
    }
}
