package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
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
 * Nodes that were never told to update cannot move a rollout: over the real node API on real PostgreSQL, update
 * reports (and health reports) about the target from nodes outside the active cohorts are stored but do not count,
 * and a single canary node that reports a failed update pauses the rollout for a person instead of rolling the
 * release back.
 */
@IntegrationTest
class UnsolicitedUpdateReportsTest {

    private static final String DIGEST = "sha256:" + "c".repeat(64);
    private static final String CONFIG = "0x" + "d".repeat(64);
    private static final Tier TIER = Tier.ORACLE;

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    Rollouts rollouts;

    @Autowired
    JdbcClient jdbc;

    record Node(String id, String token, Cohort cohort) {}

    private TierIsolation isolation;

    @BeforeEach
    void isolateTheTier() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = :tier AND status IN ('active', 'paused')")
                .param("tier", TIER.name())
                .update();
        isolation = TierIsolation.of(jdbc, TIER);
    }

    @AfterEach
    void restoreOtherNodes() {
        isolation.restore();
    }

    @Test
    void reportsFromNodesOutsideTheActiveCohortsDoNotCountAndOneCanaryFailurePausesInsteadOfRollingBack() {
        var api = new ApiClient(port);
        var nodes = new ArrayList<Node>();
        // Node ids are random: register until there is a canary node and three outside the canary (at most 300).
        while (nodes.size() < 300 && (count(nodes, true) < 1 || count(nodes, false) < 3)) {
            var login = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), TIER);
            nodes.add(new Node(login[0], login[1], CohortAssignment.assign(login[0], RolloutConfig.DEFAULT)));
        }
        var canaryNode = nodes.stream().filter(n -> n.cohort() == Cohort.CANARY).findFirst().orElseThrow();
        var outside = nodes.stream().filter(n -> n.cohort() != Cohort.CANARY).limit(3).toList();
        var suffix = "." + System.nanoTime() % 1_000_000;
        var previous = rollouts.start(release("4.0" + suffix), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT,
                "test");
        jdbc.sql("UPDATE deployments SET status = 'completed', activated_through = 4 WHERE id = :id")
                .param("id", previous.id())
                .update();
        var target = "5.0" + suffix;
        var rollout = rollouts.start(release(target), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test");
        assertThat(rollout.phase()).isEqualTo("canary");

        // Three nodes of inactive cohorts claim they tried the target and failed, and that they run it at cpu 99.
        for (var node : outside) {
            var told = api.get("/api/v1/version/" + node.id() + "?currentVersion=4.0" + suffix, node.token());
            assertThat(told.body().path("shouldUpdate").asBoolean()).as("%s is not due", node.cohort()).isFalse();
            var update = api.post("/api/v1/updates", Map.of("fromVersion", "4.0" + suffix, "toVersion", target,
                    "result", "FAILED", "durationMs", 1000, "reason", "made up"), node.token());
            assertThat(update.status()).as("the API accepts the report").isEqualTo(202);
            health(api, node, target, 99);
        }
        rollouts.reconcileAll();

        var view = rollouts.get(rollout.id());
        assertThat(view.status()).isEqualTo("active");
        assertThat(view.phase()).isEqualTo("canary");
        assertThat(view.cohorts()).extracting(CohortProgress::failed).containsOnly(0L);
        var status = api.get("/api/v1/rollout/status?tier=" + TIER, IntegrationTest.ADMIN_TOKEN);
        assertThat(status.body().path("errors").asLong()).isZero();
        assertThat(status.body().path("successRate").asDouble()).isEqualTo(1.0);
        assertThat(jdbc.sql("SELECT count(*) FROM update_reports WHERE deployment_id = :id")
                .param("id", rollout.id()).query(Long.class).single())
                .as("stored, linked to the rollout, but not counted").isEqualTo(3);

        // The canary node is due; it reports a failed update: 1 of 1 is over 5 %, but one node is no sample.
        var told = api.get("/api/v1/version/" + canaryNode.id() + "?currentVersion=4.0" + suffix,
                canaryNode.token());
        assertThat(told.body().path("shouldUpdate").asBoolean()).isTrue();
        assertThat(api.post("/api/v1/updates", Map.of("fromVersion", "4.0" + suffix, "toVersion", target, "result",
                "FAILED", "durationMs", 1000), canaryNode.token()).status()).isEqualTo(202);
        rollouts.reconcileAll();

        var paused = rollouts.get(rollout.id());
        assertThat(paused.status()).isEqualTo("paused");
        assertThat(paused.reason()).isEqualTo("paused, no automatic rollback: canary: 1 of 1 updates failed or rolled"
                + " back (100.0% > 5.0%), but only 1 node behind it (fewer than the minimum sample of 3): resume,"
                + " roll back or abort");
        assertThat(jdbc.sql("SELECT count(*) FROM tier_emergencies WHERE tier = :tier").param("tier", TIER.name())
                .query(Long.class).single()).as("no emergency rollback").isZero();
        assertThat(api.get("/api/v1/rollout/status?tier=" + TIER, IntegrationTest.ADMIN_TOKEN).body()
                .path("errors").asLong()).isEqualTo(1);
        // ... and the engine asks for the decision with a warning.
        var alerts = api.get("/api/v1/admin/alerts?status=firing", IntegrationTest.ADMIN_TOKEN).body();
        var alert = java.util.stream.StreamSupport.stream(alerts.spliterator(), false)
                .filter(a -> a.path("name").asText().equals("RollbackDecisionNeeded")
                        && a.path("summary").asText().startsWith("Rollout of ORACLE " + target + " paused"))
                .findFirst().orElseThrow(() -> new AssertionError("no RollbackDecisionNeeded alert in " + alerts));
        assertThat(alert.path("severity").asText()).isEqualTo("warning");
        assertThat(alert.path("summary").asText()).endsWith(paused.reason());
        assertThat(java.util.stream.StreamSupport.stream(alerts.spliterator(), false)
                .filter(a -> a.path("summary").asText().contains("Automatic rollback of ORACLE " + target)))
                .isEmpty();
        rollouts.reconcileAll();
        assertThat(rollouts.get(rollout.id()).status()).as("it stays paused for a person").isEqualTo("paused");
    }

    private static long count(List<Node> nodes, boolean canary) {
        return nodes.stream().filter(n -> (n.cohort() == Cohort.CANARY) == canary).count();
    }

    private static void health(ApiClient api, Node node, String version, double cpu) {
        var response = api.post("/api/v1/health", Map.of("nodeId", node.id(), "version", version, "metrics",
                Map.of("uptime", 100, "cpu", cpu, "memory", 40, "errors", 0), "timestamp",
                Instant.now().toString()), node.token());
        assertThat(response.status()).isEqualTo(200);
    }

    private static NewRelease release(String version) {
        return new NewRelease(TIER, version, "registry.noderr.network/oracle:" + version, DIGEST, CONFIG, null);
    }
}
