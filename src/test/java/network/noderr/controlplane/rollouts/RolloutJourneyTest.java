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
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A whole rollout over the real node API on real PostgreSQL: registered nodes ask what to run, update when told,
 * report health; the reconciler activates cohorts as (stored) time passes, completes the rollout, and a later
 * release whose canary turns unhealthy is rolled back automatically with its reason.
 */
@IntegrationTest
class RolloutJourneyTest {

    private static final String DIGEST = "sha256:" + "a".repeat(64);
    private static final String CONFIG = "0x" + "b".repeat(64);

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    Rollouts rollouts;

    @Autowired
    JdbcClient jdbc;

    record Node(String id, String token, String cohort) {}

    private TierIsolation isolation;

    @org.junit.jupiter.api.BeforeEach
    void isolateTheTier() {
        isolation = TierIsolation.of(jdbc, Tier.GUARDIAN);
    }

    @org.junit.jupiter.api.AfterEach
    void restoreOtherNodes() {
        isolation.restore();
    }

    @Test
    void rolloutGoesCanaryToCompleteThenAnUnhealthyCanaryRollsTheNextReleaseBack() {
        var api = new ApiClient(port);
        var tier = Tier.GUARDIAN;
        var nodes = new ArrayList<Node>();
        // Node ids are random, so register until every cohort has nodes (the canary at least three, the minimum
        // sample an automatic rollback needs), at most 300.
        while (nodes.size() < 300 && (nodes.size() < 40 || countIn(nodes, "canary") < 3
                || java.util.stream.IntStream.rangeClosed(1, 4).anyMatch(k -> countIn(nodes, "cohort" + k) == 0))) {
            var login = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), tier);
            var cohort = CohortAssignment.assign(login[0], RolloutConfig.DEFAULT).wireName();
            nodes.add(new Node(login[0], login[1], cohort));
            report(api, nodes.getLast(), "1.0.0", 20, 0);
        }
        assertThat(countIn(nodes, "canary")).isGreaterThanOrEqualTo(3);
        int total = nodes.size();
        var v1 = rollouts.start(release(tier, "1.0.0"), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test");
        finishImmediately(v1.id());

        var v2 = rollouts.start(release(tier, "1.1.0"), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test");
        assertThat(v2.phase()).isEqualTo("canary");
        // A day passes and no canary node has updated: the health gate pauses the rollout before cohort1.
        passTime(v2.id(), 24);
        rollouts.reconcileAll();
        var gated = rollouts.get(v2.id());
        assertThat(gated.status()).isEqualTo("paused");
        assertThat(gated.reason()).startsWith("paused before cohort1: canary not healthy yet");
        rollouts.resume(v2.id(), "test");
        jdbc.sql("UPDATE deployments SET elapsed_before_resume_ms = 0 WHERE id = :id").param("id", v2.id()).update();
        var expectedActive = new ArrayList<>(List.of("canary"));
        for (int step = 1; step <= 4; step++) {
            updateNodesThatAreTold(api, nodes, "1.1.0", expectedActive, false);
            passTime(v2.id(), 24);
            rollouts.reconcileAll();
            expectedActive.add("cohort" + step);
            var view = rollouts.get(v2.id());
            assertThat(view.cohorts()).as("step %d: %s %s %s", step, view.status(), view.reason(), view.cohorts())
                    .filteredOn(CohortProgress::active).extracting(CohortProgress::cohort)
                    .containsExactlyElementsOf(expectedActive);
        }
        updateNodesThatAreTold(api, nodes, "1.1.0", expectedActive, false);
        rollouts.reconcileAll();
        var done = rollouts.get(v2.id());
        assertThat(done.status()).isEqualTo("completed");
        assertThat(done.phase()).isEqualTo("complete");
        assertThat(done.updatedNodes()).isEqualTo(total);
        var status = api.get("/api/v1/rollout/status?tier=GUARDIAN", IntegrationTest.ADMIN_TOKEN);
        assertThat(status.text("rolloutPhase")).isEqualTo("complete");
        assertThat(status.body().path("nodesUpdated").asLong()).isEqualTo(total);
        // The reconciler's own changes are in the audit log (the resume, asked for by a person, is not: requests
        // are recorded by the API that received them).
        var reconciled = api.get("/api/v1/admin/audit?actor=reconciler&target=GUARDIAN%201.1.0",
                IntegrationTest.ADMIN_TOKEN).body();
        var entries = new ArrayList<String>();
        reconciled.forEach(e -> {
            assertThat(e.path("actorKind").asText()).isEqualTo("automation");
            entries.add(e.path("action").asText() + ": " + e.path("detail").asText().replaceAll("; rollout .*", ""));
        });
        assertThat(entries).containsExactly(
                "rollout completed: completed: all " + total + " nodes run 1.1.0",
                "rollout active: cohort4 activated",
                "rollout active: cohort3 activated",
                "rollout active: cohort2 activated",
                "rollout active: cohort1 activated",
                "rollout paused: " + gated.reason());

        // Next release: the canary updates and turns unhealthy -> automatic rollback to 1.1.0.
        var v3 = rollouts.start(release(tier, "1.2.0"), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test");
        updateNodesThatAreTold(api, nodes, "1.2.0", List.of("canary"), true);
        rollouts.reconcileAll();
        var rolledBack = rollouts.get(v3.id());
        assertThat(rolledBack.status()).isEqualTo("rolled_back");
        assertThat(rolledBack.reason()).startsWith("automatic rollback: canary:").contains("unhealthy");
        // ... and the engine raised its own alert, listed with the reason.
        var alerts = api.get("/api/v1/admin/alerts?status=firing", IntegrationTest.ADMIN_TOKEN).body();
        var alert = java.util.stream.StreamSupport.stream(alerts.spliterator(), false)
                .filter(a -> a.path("name").asText().equals("AutomaticRollback")
                        && a.path("summary").asText().startsWith("Automatic rollback of GUARDIAN 1.2.0 to 1.1.0: "))
                .findFirst().orElseThrow(() -> new AssertionError("no AutomaticRollback alert in " + alerts));
        assertThat(alert.path("source").asText()).isEqualTo("engine");
        assertThat(alert.path("severity").asText()).isEqualTo("critical");
        assertThat(alert.path("summary").asText()).contains("unhealthy");
        var audit = api.get("/api/v1/admin/audit?actor=reconciler&target=GUARDIAN%201.2.0",
                IntegrationTest.ADMIN_TOKEN).body();
        assertThat(audit).hasSize(1);
        assertThat(audit.get(0).path("actorKind").asText()).isEqualTo("automation");
        assertThat(audit.get(0).path("action").asText()).isEqualTo("automatic rollback");
        assertThat(audit.get(0).path("detail").asText()).startsWith("to 1.1.0: automatic rollback: canary:");
        var canaryNode = nodes.stream().filter(n -> n.cohort().equals("canary")).findFirst().orElseThrow();
        var answer = api.get("/api/v1/version/" + canaryNode.id() + "?currentVersion=1.2.0", canaryNode.token());
        assertThat(answer.text("versionString")).isEqualTo("1.1.0");
        assertThat(answer.body().path("shouldUpdate").asBoolean()).isTrue();
        assertThat(answer.text("updatePriority")).isEqualTo("emergency");
        var otherNode = nodes.stream().filter(n -> !n.cohort().equals("canary")).findFirst().orElseThrow();
        assertThat(api.get("/api/v1/version/" + otherNode.id() + "?currentVersion=1.1.0", otherNode.token())
                        .body().path("shouldUpdate").asBoolean())
                .as("nodes already on the rollback target stay")
                .isFalse();
    }

    private static long countIn(List<Node> nodes, String cohort) {
        return nodes.stream().filter(n -> n.cohort().equals(cohort)).count();
    }

    private void updateNodesThatAreTold(ApiClient api, List<Node> nodes, String target, List<String> activeCohorts,
            boolean unhealthyAfter) {
        for (var node : nodes) {
            var current = jdbc.sql("SELECT current_version FROM node_versions WHERE node_id = :id")
                    .param("id", node.id())
                    .query(String.class)
                    .single();
            var answer = api.get("/api/v1/version/" + node.id() + "?currentVersion=" + current, node.token());
            assertThat(answer.status()).isEqualTo(200);
            var told = answer.body().path("shouldUpdate").asBoolean();
            var shouldBeTold = activeCohorts.contains(node.cohort()) && !current.equals(target);
            assertThat(told).as("node %s in %s on %s", node.id(), node.cohort(), current).isEqualTo(shouldBeTold);
            if (told) {
                assertThat(answer.text("versionString")).isEqualTo(target);
                assertThat(answer.text("imageDigest")).isEqualTo(DIGEST);
                var update = api.post("/api/v1/updates", Map.of("fromVersion", current, "toVersion", target,
                        "result", "SUCCEEDED", "durationMs", 4200), node.token());
                assertThat(update.status()).isEqualTo(202);
                report(api, node, target, unhealthyAfter ? 99 : 20, 0);
            }
        }
    }

    private static void report(ApiClient api, Node node, String version, double cpu, int errors) {
        var response = api.post("/api/v1/health", Map.of("nodeId", node.id(), "version", version, "metrics",
                Map.of("uptime", 100, "cpu", cpu, "memory", 40, "errors", errors), "timestamp",
                Instant.now().toString()), node.token());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().path("acknowledged").asBoolean()).isTrue();
    }

    private void finishImmediately(java.util.UUID id) {
        jdbc.sql("UPDATE deployments SET status = 'completed', activated_through = 4 WHERE id = :id")
                .param("id", id)
                .update();
    }

    /** Moves the rollout's active stretch back in time, as if {@code hours} had passed. */
    private void passTime(java.util.UUID id, int hours) {
        jdbc.sql("UPDATE deployments SET resumed_at = resumed_at - make_interval(hours => :h) WHERE id = :id")
                .param("h", hours)
                .param("id", id)
                .update();
    }

    private static NewRelease release(Tier tier, String version) {
        return new NewRelease(tier, version, "registry.noderr.network/guardian:" + version, DIGEST, CONFIG, null);
    }
}
