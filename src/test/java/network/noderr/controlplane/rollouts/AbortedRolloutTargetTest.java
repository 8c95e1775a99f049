package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
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
 * An aborted rollout moves no node any more (DESIGN §4 shouldUpdate): the registry's target, the version query and
 * the tier's rollout status all say the nodes stay where they are. The next rollout starts from what the tier runs,
 * never from the aborted release: its status names that version, and its automatic rollback returns there.
 */
@IntegrationTest
class AbortedRolloutTargetTest {

    private static final Tier TIER = Tier.ALL;

    @LocalServerPort
    int port;

    @Autowired
    Rollouts rollouts;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    private final String suffix = String.valueOf(System.nanoTime() % 1_000_000);
    private final String before = "0.8." + suffix;
    private final String aborted = "0.9." + suffix;
    private final String fix = "0.10." + suffix;
    private final String older = "0.7." + suffix;
    private final String nodePrefix = "aborted-" + suffix + "-";
    private TierIsolation isolation;

    @BeforeEach
    void isolateTheTier() {
        closeOpen("aborted");
        isolation = TierIsolation.of(jdbc, TIER);
    }

    @AfterEach
    void cleanUp() {
        closeOpen("aborted");
        jdbc.sql("DELETE FROM tier_emergencies WHERE tier = :t").param("t", TIER.name()).update();
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", nodePrefix + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", nodePrefix + "%").update();
        isolation.restore();
    }

    private void closeOpen(String status) {
        jdbc.sql("UPDATE deployments SET status = :s WHERE tier = :t AND status IN ('pending', 'active', 'paused')")
                .param("s", status).param("t", TIER.name()).update();
    }

    private RolloutView start(String version) {
        return rollouts.start(new NewRelease(TIER, version, "registry.noderr.network/all:" + version,
                "sha256:" + "3".repeat(64), "0x" + "4".repeat(64), null), RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, "test");
    }

    private String registryTarget(String nodeId) {
        return jdbc.sql("SELECT target_version FROM node_versions WHERE node_id = :id").param("id", nodeId)
                .query(String.class).single();
    }

    @Test
    void anAbortedRolloutLeavesEveryNodesTargetOnWhatItRuns() {
        start(before);
        closeOpen("completed");
        var rollout = start(aborted);
        var api = new ApiClient(port);
        var login = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), TIER);
        var nodeId = login[0];
        var token = login[1];

        var asked = api.get("/api/v1/version/" + nodeId + "?currentVersion=" + before, token);
        assertThat(asked.status()).isEqualTo(200);
        assertThat(registryTarget(nodeId)).as("told while the rollout runs").isEqualTo(aborted);

        rollouts.abort(rollout.id(), "test", "bad build");

        assertThat(registryTarget(nodeId)).as("at once, before the node asks again").isEqualTo(before);
        var again = api.get("/api/v1/version/" + nodeId + "?currentVersion=" + before, token);
        assertThat(again.body().path("shouldUpdate").asBoolean()).isFalse();
        assertThat(again.text("versionString")).as("names what the node runs, not the aborted release")
                .isEqualTo(before);
        assertThat(again.text("dockerImageTag")).isEqualTo("registry.noderr.network/all:" + before);
        assertThat(registryTarget(nodeId)).as("after the node asked again").isEqualTo(before);

        // A node that updated before the abort keeps running the release, and is answered with it.
        var updated = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), TIER);
        var onAborted = api.get("/api/v1/version/" + updated[0] + "?currentVersion=" + aborted, updated[1]);
        assertThat(onAborted.text("versionString")).isEqualTo(aborted);
        assertThat(onAborted.body().path("shouldUpdate").asBoolean()).isFalse();
        // A node that runs nothing yet is named no release: none will be rolled out to it until the next one.
        var fresh = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), TIER);
        var none = api.get("/api/v1/version/" + fresh[0], fresh[1]);
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.body().path("versionString").isNull()).as(none.toString()).isTrue();
        assertThat(none.body().path("imageDigest").isNull()).isTrue();
        assertThat(none.body().path("shouldUpdate").asBoolean()).isFalse();

        var status = api.get("/api/v1/rollout/status?tier=" + TIER, IntegrationTest.ADMIN_TOKEN);
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.text("rolloutPhase")).isEqualTo("aborted");
        assertThat(status.text("currentVersion")).isEqualTo(before);
        assertThat(status.text("targetVersion")).as("no node is moved to %s", aborted).isEqualTo(before);
    }

    @Test
    void theNextRolloutStartsFromWhatTheTierRunsAndRollsBackThereNotToTheAbortedRelease() {
        start(before);
        closeOpen("completed");
        rollouts.abort(start(aborted).id(), "test", "bad build");
        var next = start(fix);

        assertThat(rollouts.releaseBefore(next.id())).as("the release published last before is the aborted one")
                .contains(before);
        var status = new ApiClient(port).get("/api/v1/rollout/status?tier=" + TIER, IntegrationTest.ADMIN_TOKEN);
        assertThat(status.text("currentVersion")).isEqualTo(before);
        assertThat(status.text("targetVersion")).isEqualTo(fix);

        // The fix fails in the canary: the automatic rollback returns to what the tier ran, not to the aborted release.
        for (int i = 0; i < 3; i++) {
            network.noderr.controlplane.TestNodes.insertUnhealthy(jdbc, nodePrefix + i, TIER.name(), fix, "canary");
        }
        rollouts.reconcileAll();
        assertThat(rollouts.get(next.id()).status()).isEqualTo("rolled_back");
        assertThat(jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = :t").param("t", TIER.name())
                .query(String.class).single()).isEqualTo(before);
    }

    /** Starts {@code version} as the tier's first release: recorded as started from nothing. */
    private RolloutView startFirst(String version) {
        var rollout = start(version);
        jdbc.sql("UPDATE deployments SET from_version = NULL WHERE id = :id").param("id", rollout.id()).update();
        return rollout;
    }

    private void failingCanary(String version) {
        for (int i = 0; i < 3; i++) {
            network.noderr.controlplane.TestNodes.insertUnhealthy(jdbc, nodePrefix + "canary-" + i, TIER.name(),
                    version, "canary");
        }
    }

    /**
     * The tier's first release, aborted after every node updated to it: they run it, so the next release's automatic
     * rollback returns there (not "no earlier release").
     */
    @Test
    void afterAnAbortedFirstReleaseTheNodesRanTheNextOneRollsBackToIt() {
        rollouts.abort(startFirst(aborted).id(), "test", "stop here");
        for (int i = 0; i < 3; i++) {
            network.noderr.controlplane.TestNodes.insertRunning(jdbc, nodePrefix + "on-aborted-" + i, TIER.name(),
                    aborted, "cohort" + (i + 1));
        }
        var next = start(fix);
        assertThat(rollouts.releaseBefore(next.id())).as("what the tier's nodes run").contains(aborted);

        failingCanary(fix);
        rollouts.reconcileAll();
        var rolledBack = rollouts.get(next.id());
        assertThat(rolledBack.status()).isEqualTo("rolled_back");
        assertThat(rolledBack.reason()).doesNotContain("no earlier release");
        assertThat(jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = :t").param("t", TIER.name())
                .query(String.class).single()).isEqualTo(aborted);
    }

    /**
     * The tier's first release, rolled back automatically (nothing earlier: the tier stays on it), then a fixed
     * release that fails too: the engine does not return the tier to a release that failed its own rollout (it would
     * move every node not on it there at emergency priority), and neither may a person (rollback-target-rolled-back).
     * The reason says that, not that the release "never ran on its nodes" (its nodes run it) nor "roll back by hand".
     */
    @Test
    void afterARolledBackFirstReleaseTheNextOnesRollbackNamesItAsRolledBackItself() {
        var first = startFirst(aborted);
        for (int i = 0; i < 3; i++) {
            network.noderr.controlplane.TestNodes.insertUnhealthy(jdbc, nodePrefix + "first-canary-" + i,
                    TIER.name(), aborted, "canary");
        }
        rollouts.reconcileAll();
        assertThat(rollouts.get(first.id()).status()).isEqualTo("rolled_back");
        for (int i = 0; i < 3; i++) {
            network.noderr.controlplane.TestNodes.insertRunning(jdbc, nodePrefix + "on-first-" + i, TIER.name(),
                    aborted, "cohort" + (i + 1));
        }
        var next = start(fix);
        failingCanary(fix);
        rollouts.reconcileAll();
        var rolledBack = rollouts.get(next.id());
        assertThat(rolledBack.status()).isEqualTo("rolled_back");
        assertThat(rolledBack.reason()).doesNotContain("never ran on its nodes").doesNotContain("by hand")
                .endsWith("ALL ran no release before " + fix + " to return to (" + aborted + ", published before it,"
                        + " was rolled back itself): it stays on " + fix + " (nodes that updated keep running it)"
                        + " until you publish a fixed release");
        assertThat(jdbc.sql("SELECT count(*) FROM tier_emergencies WHERE tier = :t").param("t", TIER.name())
                .query(Long.class).single()).as("no node is moved to the rolled-back release").isZero();
    }

    /** Aborted before any node ran it: nothing to return to, and the reason says so without "no earlier release". */
    @Test
    void afterAnAbortedFirstReleaseNoNodeRanTheReasonNamesIt() {
        rollouts.abort(startFirst(aborted).id(), "test", "stop here");
        var next = start(fix);
        assertThat(rollouts.releaseBefore(next.id())).isEmpty();

        failingCanary(fix);
        rollouts.reconcileAll();
        var rolledBack = rollouts.get(next.id());
        assertThat(rolledBack.status()).isEqualTo("rolled_back");
        assertThat(rolledBack.reason()).doesNotContain("no earlier release")
                .endsWith("ALL ran no release before " + fix + " to return to (" + aborted + ", published before it,"
                        + " never ran on its nodes): it stays on " + fix + " (nodes that updated keep running it)"
                        + " until you publish a fixed release or roll back by hand");
    }

    /**
     * The same, with too few failing nodes for an automatic rollback: the pause for a decision offers a rollback by
     * hand to the release published before (it said there was no earlier release).
     */
    @Test
    void afterAnAbortedFirstReleaseNoNodeRanThePauseForADecisionOffersItByHand() {
        rollouts.abort(startFirst(aborted).id(), "test", "stop here");
        var next = start(fix);
        for (int i = 0; i < 2; i++) { // over the limit, under the minimum sample of 3
            network.noderr.controlplane.TestNodes.insertUnhealthy(jdbc, nodePrefix + "canary-" + i, TIER.name(), fix,
                    "canary");
        }
        rollouts.reconcileAll();
        var paused = rollouts.get(next.id());
        assertThat(paused.status()).isEqualTo("paused");
        assertThat(paused.reason()).doesNotContain("no earlier release")
                .endsWith(": resume, abort, or roll back by hand to " + aborted + " (ALL ran no release before " + fix
                        + ": " + aborted + ", published before it, never ran on its nodes)");
    }

    @Test
    void aRolloutStartedUnderAnEmergencyRollbackStartsFromItsTarget() {
        start(before);
        closeOpen("completed");
        jdbc.sql("""
                        INSERT INTO tier_emergencies (tier, target_version, reason, created_by)
                        VALUES (:t, :v, 'test', 'test')
                        ON CONFLICT (tier) DO UPDATE SET target_version = :v""")
                .param("t", TIER.name()).param("v", older).update();
        var next = start(fix);
        assertThat(rollouts.releaseBefore(next.id())).contains(older);
    }
}
