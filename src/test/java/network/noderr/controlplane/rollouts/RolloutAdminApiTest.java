package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Rollout control through the management API: roles, pause / resume / promote / abort, 409 on illegal changes,
 * emergency rollback, and concurrent reconcile runs that must not apply one transition twice. Uses tier ORACLE and
 * leaves no unfinished rollout behind.
 */
@IntegrationTest
class RolloutAdminApiTest {

    private static final String DIGEST = "sha256:" + "c".repeat(64);
    private static final String CONFIG = "0x" + "d".repeat(64);

    @LocalServerPort
    int port;

    @Autowired
    Rollouts rollouts;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens apiTokens;

    @Autowired
    JdbcClient jdbc;

    ApiClient api;
    String managerToken;
    String viewerToken;
    UUID rolloutId;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        managerToken = token("rollout-manager", Role.RELEASE_MANAGER);
        viewerToken = token("rollout-viewer", Role.VIEWER);
        var version = "3." + (System.nanoTime() % 100000) + ".0";
        rolloutId = rollouts.start(new NewRelease(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                DIGEST, CONFIG, null), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test").id();
    }

    @AfterEach
    void finish() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    private String token(String name, Role role) {
        var user = users.findByUsername(name).orElseGet(() -> users.create(name, name + "-password", role));
        return apiTokens.issue(user.id(), "test").token();
    }

    private ApiClient.Response post(String path, String token) {
        return api.post("/api/v1/admin/rollouts/" + rolloutId + path, "{}", token);
    }

    @Test
    void releaseManagerPausesResumesPromotesAndAborts() {
        assertThat(post("/pause", managerToken).text("phase")).isEqualTo("paused");
        assertThat(post("/resume", managerToken).text("phase")).isEqualTo("canary");
        var noSuchCohort = api.post("/api/v1/admin/rollouts/" + rolloutId + "/promote",
                Map.of("cohort", "cohort9"), managerToken);
        assertThat(noSuchCohort.status()).as("not a cohort at all: bad input, not a conflict").isEqualTo(400);
        assertThat(noSuchCohort.body().path("errors").has("cohort")).isTrue();
        var promoted = post("/promote", managerToken);
        assertThat(promoted.status()).isEqualTo(200);
        assertThat(promoted.text("phase")).isEqualTo("cohort1");
        var aborted = api.post("/api/v1/admin/rollouts/" + rolloutId + "/abort", Map.of("reason", "bad build"),
                managerToken);
        assertThat(aborted.text("status")).isEqualTo("aborted");
        assertThat(aborted.text("reason")).isEqualTo("bad build");
        var timeline = api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).body().path("timeline");
        assertThat(timeline.toString()).contains("paused").contains("resumed").contains("promoted")
                .contains("rollout-manager");
    }

    @Test
    void aRunningRolloutsLimitsChangeAndAreValidated() {
        var path = "/api/v1/admin/rollouts/" + rolloutId + "/thresholds";
        var limits = Map.of("maxUnhealthyRatio", 0.5, "maxErrorRate", 0.2, "gateMinUpdatedRatio", 0.75);

        var changed = api.put(path, limits, managerToken);
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.body().path("maxUnhealthyRatio").asDouble()).isEqualTo(0.5);
        assertThat(changed.body().path("maxErrorRate").asDouble()).isEqualTo(0.2);
        assertThat(changed.body().path("gateMinUpdatedRatio").asDouble()).isEqualTo(0.75);
        assertThat(changed.body().path("minSample").asInt()).as("the default, kept when absent").isEqualTo(3);
        assertThat(changed.body().path("minOperators").asInt()).as("the default, kept when absent").isEqualTo(2);
        var stored = api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken);
        assertThat(stored.body().path("maxUnhealthyRatio").asDouble()).as("kept").isEqualTo(0.5);
        assertThat(stored.body().path("timeline").toString())
                .contains("roll back above 50 % unhealthy or 20 % failed updates in a cohort when at least 3 nodes"
                        + " of at least 2 operators back it (fewer pause it); next cohort at 75 %")
                .contains("rollout-manager");

        var withSample = new java.util.HashMap<String, Object>(limits);
        withSample.put("minSample", 5);
        assertThat(api.put(path, withSample, managerToken).body().path("minSample").asInt()).isEqualTo(5);
        assertThat(api.put(path, limits, managerToken).body().path("minSample").asInt())
                .as("absent: the rollout keeps its own").isEqualTo(5);
        for (var bad : new Object[] {0, -1, 1_000_001, "many"}) {
            withSample.put("minSample", bad);
            var refused = api.put(path, withSample, managerToken);
            assertThat(refused.status()).as("minSample %s", bad).isEqualTo(400);
            if (!(bad instanceof String)) {
                assertThat(refused.body().path("errors").has("minSample")).isTrue();
            }
        }
        assertThat(api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).body().path("minSample").asInt())
                .isEqualTo(5);

        var withOperators = new java.util.HashMap<String, Object>(limits);
        withOperators.put("minOperators", 1);
        var oneOperator = api.put(path, withOperators, managerToken);
        assertThat(oneOperator.body().path("minOperators").asInt()).isEqualTo(1);
        assertThat(oneOperator.body().path("minSample").asInt()).as("kept").isEqualTo(5);
        assertThat(oneOperator.body().path("timeline").toString())
                .contains("when at least 5 nodes of at least 1 operator back it");
        assertThat(api.put(path, limits, managerToken).body().path("minOperators").asInt())
                .as("absent: the rollout keeps its own").isEqualTo(1);
        for (var bad : new Object[] {0, -1, 1_000_001, "many"}) {
            withOperators.put("minOperators", bad);
            var refused = api.put(path, withOperators, managerToken);
            assertThat(refused.status()).as("minOperators %s", bad).isEqualTo(400);
            if (!(bad instanceof String)) {
                assertThat(refused.body().path("errors").has("minOperators")).isTrue();
            }
        }
        assertThat(api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).body().path("minOperators").asInt())
                .isEqualTo(1);

        var outOfRange = api.put(path, Map.of("maxUnhealthyRatio", 1.5, "maxErrorRate", 0.2,
                "gateMinUpdatedRatio", 0.75), managerToken);
        assertThat(outOfRange.status()).isEqualTo(400);
        assertThat(outOfRange.body().path("errors").has("maxUnhealthyRatio")).isTrue();
        var missing = api.put(path, Map.of("maxUnhealthyRatio", 0.2), managerToken);
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().path("errors").has("maxErrorRate")).isTrue();
        assertThat(api.put(path, limits, viewerToken).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).body().path("maxUnhealthyRatio")
                .asDouble()).as("unchanged by the refused calls").isEqualTo(0.5);

        post("/abort", managerToken);
        var finished = api.put(path, limits, managerToken);
        assertThat(finished.status()).isEqualTo(409);
        assertThat(finished.text("detail")).contains("no longer apply");
    }

    @Test
    void aPromoteOfACohortThatIsNoLongerNextChangesNothing() {
        var promote = "/api/v1/admin/rollouts/" + rolloutId + "/promote";
        var stale = api.post(promote, Map.of("cohort", "cohort2"), managerToken);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.problemType()).isEqualTo("cohort-changed");
        assertThat(stale.text("detail")).contains("cohort2").contains("cohort1");
        assertThat(api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).text("phase")).isEqualTo("canary");

        var confirmed = api.post(promote, Map.of("cohort", "cohort1"), managerToken);
        assertThat(confirmed.status()).isEqualTo(200);
        assertThat(confirmed.text("phase")).isEqualTo("cohort1");
    }

    @Test
    void illegalChangesGet409WithAnExplanation() {
        assertThat(post("/resume", managerToken).status()).as("resume an active rollout").isEqualTo(409);
        post("/abort", managerToken);
        var again = post("/pause", managerToken);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.problemType()).isEqualTo("illegal-transition");
        assertThat(again.text("detail")).contains("finished");
    }

    @Test
    void viewersReadButCannotChange() {
        assertThat(api.get("/api/v1/admin/rollouts?tier=ORACLE", viewerToken).status()).isEqualTo(200);
        assertThat(post("/pause", viewerToken).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).text("status")).isEqualTo("active");
    }

    @Test
    void emergencyRollbackNeedsAnEarlierVersionAndAReason() {
        var noReason = api.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                Map.of("toVersion", "0.0.1", "reason", ""), managerToken);
        assertThat(noReason.status()).isEqualTo(400);
        var unknown = api.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                Map.of("toVersion", "99.99.99", "reason", "bad"), managerToken);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body().path("errors").has("toVersion")).isTrue();
    }

    /**
     * The node API's rollout status after an emergency rollback of a release that had completed: the tier is rolled
     * back, moving to the rollback's version (what every node is told to run), not "complete" on the bad release.
     */
    @Test
    void theRolloutStatusShowsAnEmergencyRollbackInForceAndCountsEachNodesLatestReport() {
        var earlier = api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).text("versionString");
        finish();
        var bad = "9." + (System.nanoTime() % 100000) + ".1";
        rolloutId = rollouts.start(new NewRelease(Tier.ORACLE, bad, "registry.noderr.network/oracle:" + bad,
                DIGEST, CONFIG, null), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test").id();
        for (var result : List.of("FAILED", "FAILED", "SUCCEEDED")) { // one node, retried: one attempt that succeeded
            jdbc.sql("""
                            INSERT INTO update_reports (node_id, tier, cohort, deployment_id, from_version, to_version,
                                result, duration_ms, reported_at)
                            VALUES ('status-retrying-node', 'ORACLE', 'canary', :id, :from, :to, :result, 1,
                                clock_timestamp())""")
                    .param("id", rolloutId).param("from", earlier).param("to", bad).param("result", result).update();
        }
        jdbc.sql("UPDATE deployments SET status = 'completed', activated_through = 4 WHERE id = :id")
                .param("id", rolloutId).update();
        var completed = api.get("/api/v1/rollout/status?tier=ORACLE", viewerToken);
        assertThat(completed.text("rolloutPhase")).isEqualTo("complete");
        assertThat(completed.body().path("errors").asLong()).as("the node's latest report succeeded").isZero();
        assertThat(completed.body().path("successRate").asDouble()).isEqualTo(1.0);
        try {
            rollouts.applyRollback(Tier.ORACLE, earlier, "exchange adapter crash loop", "test", RolloutTransitioned.Cause.CHAIN);

            var status = api.get("/api/v1/rollout/status?tier=ORACLE", viewerToken);
            assertThat(status.text("rolloutPhase")).isEqualTo("rolled_back");
            assertThat(status.text("targetVersion")).as("what nodes are told to run").isEqualTo(earlier);
            assertThat(status.text("currentVersion")).as("the release rolled back").isEqualTo(bad);
            var active = jdbc.sql("SELECT count(*) FROM nodes WHERE tier = 'ORACLE' AND status = 'ACTIVE'")
                    .query(Long.class).single();
            assertThat(status.body().path("totalNodes").asLong())
                    .as("the tier's nodes now, not the count recorded when the rollout finished (none here)")
                    .isEqualTo(active);
            assertThat(status.body().path("nodesUpdated").asLong()).isLessThanOrEqualTo(active);
        } finally {
            jdbc.sql("DELETE FROM tier_emergencies WHERE tier = 'ORACLE'").update();
            jdbc.sql("DELETE FROM update_reports WHERE node_id = 'status-retrying-node'").update();
        }
    }

    @Test
    void emergencyRollbackIsRefusedWhenTheChainCannotPointBackAtTheVersion() {
        // This test's rollout (from setUp) was released in the database only, never on-chain. Completed: the tier
        // runs it, so a rollback may return there (only the chain cannot).
        var earlier = api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).text("versionString");
        jdbc.sql("UPDATE deployments SET status = 'completed' WHERE id = :id").param("id", rolloutId).update();
        var newer = "9." + (System.nanoTime() % 100000) + ".0";
        rolloutId = rollouts.start(new NewRelease(Tier.ORACLE, newer, "registry.noderr.network/oracle:" + newer,
                DIGEST, CONFIG, null), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test").id();

        var tooNew = api.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                Map.of("toVersion", newer, "reason", "x"), managerToken);
        assertThat(tooNew.status()).as("not to the version being rolled back").isEqualTo(400);

        var response = api.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                Map.of("toVersion", earlier, "reason", "exchange adapter crash loop"), managerToken);
        assertThat(response.status()).isEqualTo(409);
        assertThat(response.problemType()).isEqualTo("not-on-chain");
        assertThat(api.get("/api/v1/admin/rollouts/" + rolloutId, viewerToken).text("status"))
                .as("nothing changed").isEqualTo("active");
        assertThat(jdbc.sql("SELECT count(*) FROM tier_emergencies WHERE tier = 'ORACLE' AND target_version = :v")
                .param("v", earlier).query(Long.class).single()).isZero();
        assertThat(api.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                        Map.of("toVersion", earlier, "reason", "again"), viewerToken).status())
                .as("viewers cannot roll back")
                .isEqualTo(403);
    }

    @Test
    void concurrentReconcilesApplyEachTransitionOnce() throws Exception {
        jdbc.sql("UPDATE deployments SET resumed_at = resumed_at - interval '24 hours' WHERE id = :id")
                .param("id", rolloutId)
                .update();
        var start = new CountDownLatch(1);
        var runs = new ArrayList<Callable<Integer>>();
        for (int i = 0; i < 4; i++) {
            runs.add(() -> {
                start.await();
                return rollouts.reconcileAll();
            });
        }
        int changes = 0;
        try (var pool = Executors.newFixedThreadPool(4)) {
            var futures = runs.stream().map(pool::submit).toList();
            start.countDown();
            for (var f : futures) {
                changes += f.get();
            }
        }
        // The due step is cohort1's activation, or a gate pause when other tests' ORACLE nodes hold the canary
        // back; either way it must be applied exactly once.
        var transitions = jdbc.sql("""
                        SELECT count(*) FROM deployment_events WHERE deployment_id = :id AND actor = 'reconciler'""")
                .param("id", rolloutId)
                .query(Long.class)
                .single();
        var revision = jdbc.sql("SELECT revision FROM deployments WHERE id = :id").param("id", rolloutId)
                .query(Integer.class).single();
        assertThat(transitions).isEqualTo(1);
        assertThat(revision).as("start + one reconcile transition").isEqualTo(2);
        assertThat(changes).isEqualTo(1);
    }
}
