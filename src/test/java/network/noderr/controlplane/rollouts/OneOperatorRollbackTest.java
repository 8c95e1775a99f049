package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
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
 * One operator cannot roll a release back on its own: over the real admin and node APIs on real PostgreSQL, an
 * approved operator takes a batch of install tokens, registers several nodes, and its canary nodes all report a failed
 * update. That is over the error rate with more than the minimum sample of nodes behind it, but all of one operator:
 * the rollout pauses for a person. Once a node of a second operator fails too, the tier rolls back by itself.
 */
@IntegrationTest
class OneOperatorRollbackTest {

    private static final String DIGEST = "sha256:" + "e".repeat(64);
    private static final String CONFIG = "0x" + "f".repeat(64);
    private static final Tier TIER = Tier.GUARDIAN;
    /** Half the tier in the canary, so a few nodes per operator are enough to have canary nodes. */
    private static final RolloutConfig HALF_CANARY = new RolloutConfig(50, 10, 24);

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    Rollouts rollouts;

    @Autowired
    JdbcClient jdbc;

    private ApiClient api;
    private TierIsolation isolation;

    record Node(String id, String token) {}

    @BeforeEach
    void isolateTheTier() {
        api = new ApiClient(port);
        abortOpen();
        isolation = TierIsolation.of(jdbc, TIER);
    }

    @AfterEach
    void restoreOtherNodes() {
        abortOpen();
        jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE tier = :tier AND status = 'ACTIVE'")
                .param("tier", TIER.name()).update();
        isolation.restore();
    }

    private void abortOpen() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = :t AND status IN ('pending', 'active', "
                + "'paused')").param("t", TIER.name()).update();
    }

    @Test
    void oneOperatorsNodesPauseTheRolloutAndASecondOperatorsNodeRollsItBack() {
        var alpha = canaryNodes(3);
        var beta = canaryNodes(1);
        var suffix = "." + System.nanoTime() % 1_000_000;
        var previous = rollouts.start(release("6.0" + suffix), HALF_CANARY, RolloutThresholds.DEFAULT, "test");
        jdbc.sql("UPDATE deployments SET status = 'completed', activated_through = 4 WHERE id = :id")
                .param("id", previous.id()).update();
        var target = "7.0" + suffix;
        var rollout = rollouts.start(release(target), HALF_CANARY, RolloutThresholds.DEFAULT, "test");
        assertThat(rollout.minOperators()).isEqualTo(2);

        for (var node : alpha) {
            failUpdate(node, "6.0" + suffix, target);
        }
        assertDue(beta.getFirst(), "6.0" + suffix); // told to update before the pause; its update is still running
        rollouts.reconcileAll();

        var paused = rollouts.get(rollout.id());
        assertThat(paused.status()).as("one operator's nodes: no automatic rollback").isEqualTo("paused");
        assertThat(paused.reason()).isEqualTo("paused, no automatic rollback: canary: 3 of 3 updates failed or"
                + " rolled back (100.0% > 5.0%), 3 nodes behind it, all of one operator: an automatic rollback needs"
                + " nodes of 2 operators: resume, roll back or abort");
        var alerts = api.get("/api/v1/admin/alerts?status=firing", IntegrationTest.ADMIN_TOKEN).body();
        assertThat(StreamSupport.stream(alerts.spliterator(), false)
                .filter(a -> a.path("name").asText().equals("RollbackDecisionNeeded"))
                .map(a -> a.path("summary").asText()))
                .anySatisfy(summary -> assertThat(summary).endsWith(paused.reason()));
        rollouts.reconcileAll();
        assertThat(rollouts.get(rollout.id()).status()).as("it stays paused for a person").isEqualTo("paused");

        // A node of another operator fails as well: 4 nodes of 2 operators roll the tier back by itself.
        report(beta.getFirst(), "6.0" + suffix, target);
        rollouts.reconcileAll();

        var rolledBack = rollouts.get(rollout.id());
        assertThat(rolledBack.status()).isEqualTo("rolled_back");
        assertThat(rolledBack.reason()).startsWith(
                "automatic rollback: canary: 4 of 4 updates failed or rolled back (100.0% > 5.0%)");
        // The decision it paused for is made: its alert is resolved, without anyone acknowledging it.
        java.util.function.Function<String, List<tools.jackson.databind.JsonNode>> decisions = status ->
                StreamSupport.stream(api.get("/api/v1/admin/alerts?status=" + status + "&limit=1000",
                                IntegrationTest.ADMIN_TOKEN).body().spliterator(), false)
                        .filter(a -> a.path("name").asText().equals("RollbackDecisionNeeded")
                                && a.path("summary").asText().endsWith(paused.reason()))
                        .toList();
        assertThat(decisions.apply("firing")).isEmpty();
        assertThat(decisions.apply("resolved")).singleElement()
                .satisfies(alert -> assertThat(alert.path("acknowledgedBy").isNull()).isTrue());
    }

    /** With a minimum of one operator (set through the thresholds API), one operator's nodes roll back as before. */
    @Test
    void aMinimumOfOneOperatorLetsOneOperatorsNodesRollBack() {
        var alpha = canaryNodes(3);
        var suffix = "." + System.nanoTime() % 1_000_000;
        var previous = rollouts.start(release("8.0" + suffix), HALF_CANARY, RolloutThresholds.DEFAULT, "test");
        jdbc.sql("UPDATE deployments SET status = 'completed', activated_through = 4 WHERE id = :id")
                .param("id", previous.id()).update();
        var target = "9.0" + suffix;
        var rollout = rollouts.start(release(target), HALF_CANARY, RolloutThresholds.DEFAULT, "test");
        var changed = api.put("/api/v1/admin/rollouts/" + rollout.id() + "/thresholds", Map.of("maxUnhealthyRatio",
                0.10, "maxErrorRate", 0.05, "gateMinUpdatedRatio", 0.90, "minOperators", 1),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.body().path("minOperators").asInt()).isEqualTo(1);

        for (var node : alpha) {
            failUpdate(node, "8.0" + suffix, target);
        }
        rollouts.reconcileAll();

        var rolledBack = rollouts.get(rollout.id());
        assertThat(rolledBack.status()).isEqualTo("rolled_back");
        assertThat(rolledBack.reason()).startsWith("automatic rollback: canary: 3 of 3 updates failed");
    }

    /**
     * One approved operator's nodes, registered with a batch of its install tokens through the API, until
     * {@code wanted} of them are in the canary; returns those.
     */
    private List<Node> canaryNodes(int wanted) {
        var application = applications.submit(
                Onboarding.form("Fleet Operator " + UUID.randomUUID(), TIER), "127.0.0.1");
        applications.approve(application, "admin", "http://localhost");
        var canary = new ArrayList<Node>();
        for (int batches = 0; canary.size() < wanted; batches++) {
            assertThat(batches).as("canary nodes after %d batches", batches).isLessThan(10);
            var batch = api.post("/api/v1/admin/applications/" + application + "/install-tokens",
                    Map.of("count", 4), IntegrationTest.ADMIN_TOKEN);
            assertThat(batch.status()).isEqualTo(200);
            for (var token : batch.body().path("tokens")) {
                var key = TestNodeKey.generate();
                var registered = api.post("/api/v1/auth/register",
                        Onboarding.registration(token.asText(), key, null));
                assertThat(registered.status()).isEqualTo(201);
                var nodeId = registered.text("nodeId");
                if (canary.size() < wanted
                        && CohortAssignment.assign(nodeId, HALF_CANARY) == Cohort.CANARY) {
                    canary.add(new Node(nodeId, Onboarding.logIn(api, nodeId, key)));
                }
            }
        }
        return canary;
    }

    private void failUpdate(Node node, String from, String target) {
        assertDue(node, from);
        report(node, from, target);
    }

    private void assertDue(Node node, String from) {
        var told = api.get("/api/v1/version/" + node.id() + "?currentVersion=" + from, node.token());
        assertThat(told.body().path("shouldUpdate").asBoolean()).as("%s is due", node.id()).isTrue();
    }

    private void report(Node node, String from, String target) {
        assertThat(api.post("/api/v1/updates", Map.of("fromVersion", from, "toVersion", target, "result", "FAILED",
                "durationMs", 1000), node.token()).status()).isEqualTo(202);
    }

    private static NewRelease release(String version) {
        return new NewRelease(TIER, version, "registry.noderr.network/guardian:" + version, DIGEST, CONFIG, null);
    }
}
