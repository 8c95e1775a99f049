package network.noderr.agent.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import network.noderr.agent.TestControlPlane;
import network.noderr.agent.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulator's push stream ({@code simulate --push}) against the real control plane: nodes that would check their
 * version only once an hour follow a release and an emergency rollback because the control plane tells them to. A
 * control plane of its own: this test publishes and rolls back the ALL tier, which other tests use with their own
 * releases, and counts the version queries the control plane answered. A pushed emergency rollback names its target,
 * so the nodes follow it with one request each (the update report) and ask no version query.
 */
class FleetPushTest {

    private static final int NODES = 40;
    private static TestControlPlane controlPlane;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = TestControlPlane.start();
    }

    @AfterAll
    static void stop() throws Exception {
        controlPlane.close();
    }

    @Test
    void anEmergencyRollbackReachesNodesThatPollOnlyHourlyThroughThePushStream() throws Exception {
        controlPlane.publishAndActivateAllCohorts("ALL", image("1.0.0"));
        var options = new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "ALL", NODES,
                Duration.ofHours(1), 0, 0, "1.0.0").withPush(true);
        try (var fleet = new Fleet(options)) {
            assertThat(fleet.register()).isEqualTo(NODES);
            assertThat(fleet.awaitPush(Duration.ofSeconds(60))).as("push streams open").isEqualTo(NODES);
            assertThat(fleet.pushAttemptsFailed()).as("streams that did not open on the first try").isZero();

            // 2.0.0, every cohort activated: each activation is pushed (CHECK_NOW), and no node polls meanwhile.
            // (1.0.0's rollout cannot complete without nodes reporting on it: it is ended first.)
            controlPlane.abortOpenRollouts("ALL");
            controlPlane.publishAndActivateAllCohorts("ALL", image("2.0.0"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(onVersion("2.0.0")).isEqualTo(NODES));
            // Each node reported its health right after the update, as the daemon does (none polls: no round ran).
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(lastHealthVersions(fleet)).as("newest health report per node")
                            .hasSize(NODES).containsOnly("2.0.0"));

            // Every pushed check so far has finished and every version query sent has been answered (the control
            // plane's own count, of this fleet's queries only): the count the rollback starts from.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(fleet::pushesSettled);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> controlPlane.versionQueries() == fleet.versionQueries());
            long queriesBefore = controlPlane.versionQueries();
            assertThat(queriesBefore).as("the release's CHECK_NOW pushes were followed by version queries")
                    .isGreaterThanOrEqualTo(NODES);

            controlPlane.post("/api/v1/admin/tiers/ALL/emergency-rollback",
                    Map.of("toVersion", "1.0.0", "reason", "2.0.0 is bad"), 200);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(onVersion("1.0.0")).as("nodes back on 1.0.0").isEqualTo(NODES));
            assertThat(onVersion("2.0.0")).isZero();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(lastHealthVersions(fleet)).hasSize(NODES).containsOnly("1.0.0"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fleet.pushesHeard())
                    .anySatisfy(burst -> {
                        assertThat(burst.type()).isEqualTo("ROLLBACK");
                        assertThat(burst.nodes()).isEqualTo(NODES);
                    }));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(fleet::pushesSettled);
            // The ROLLBACK named its target: each node's one request was its update report, no version query.
            assertThat(fleet.versionQueries()).as("version queries the fleet sent").isEqualTo(queriesBefore);
            assertThat(controlPlane.versionQueries()).as("version queries the control plane answered")
                    .isEqualTo(queriesBefore);
            // ...and each node is recorded with the rollback's version as its target, as the query would have.
            var registry = controlPlane.get("/api/v1/admin/nodes?tier=ALL&size=" + NODES).get("items");
            assertThat(registry).hasSize(NODES).allSatisfy(n -> {
                assertThat(n.get("currentVersion").asText()).isEqualTo("1.0.0");
                assertThat(n.get("targetVersion").asText()).isEqualTo("1.0.0");
            });
            assertThat(fleet.errors()).isZero();
        }
    }

    /**
     * A fleet started again from its state file (every node an earlier run registered) opens its push streams again:
     * it skipped them when no node had to register, so the restarted nodes only polled.
     */
    @Test
    void aFleetBackFromItsStateFileOpensItsPushStreamsAgain(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var state = dir.resolve("fleet-ORACLE.json");
        var options = new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "ORACLE", 5,
                Duration.ofHours(1), 0, 0, "1.0.0", state).withPush(true);
        try (var fleet = new Fleet(options)) {
            assertThat(fleet.register()).isEqualTo(5);
            assertThat(fleet.awaitPush(Duration.ofSeconds(60))).isEqualTo(5);
        }
        try (var again = new Fleet(options)) {
            assertThat(again.register()).as("the same nodes, back").isEqualTo(5);
            assertThat(again.awaitPush(Duration.ofSeconds(60))).as("push streams open after the restart").isEqualTo(5);
        }
    }

    /**
     * A polled update is followed by a health report at once too, before the round's own: two reports per updated
     * node in that round, both about the new version. (GUARDIAN: a tier the other tests leave alone.)
     */
    @Test
    void aPolledUpdateIsFollowedByAHealthReport() throws Exception {
        controlPlane.twoPersonRule("GUARDIAN", false);
        var options = new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "GUARDIAN", 3,
                Duration.ofHours(1), 0, 0, "1.0.0");
        try (var fleet = new Fleet(options)) {
            assertThat(fleet.register()).isEqualTo(3);
            controlPlane.publishAndActivateAllCohorts("GUARDIAN", image("2.0.0"));
            assertThat(fleet.round()).as("per node: the report after its update and the round's").isEqualTo(6);
            assertThat(fleet.errors()).isZero();
            for (var id : fleet.nodeIds()) {
                var reports = controlPlane.get("/api/v1/admin/nodes/" + id + "/health?limit=5");
                assertThat(reports).as(id).hasSize(2).allSatisfy(r -> assertThat(r.get("version").asText())
                        .isEqualTo("2.0.0"));
            }
            assertThat(fleet.round()).as("nothing to update: the round's report only").isEqualTo(3);
        }
    }

    /** The version of each node's newest health report (nodes without one are left out). */
    private static java.util.List<String> lastHealthVersions(Fleet fleet) throws Exception {
        var versions = new java.util.ArrayList<String>();
        for (var id : fleet.nodeIds()) {
            var newest = controlPlane.get("/api/v1/admin/nodes/" + id + "/health?limit=1");
            if (!newest.isEmpty()) {
                versions.add(newest.get(0).get("version").asText());
            }
        }
        return versions;
    }

    private static long onVersion(String version) throws Exception {
        return controlPlane.get("/api/v1/admin/nodes?tier=ALL&size=1&version=" + version).get("total").asLong();
    }

    /** A release of the ALL tier; no image is pulled by simulated nodes, so none needs to exist. */
    private static TestDocker.Image image(String version) {
        return new TestDocker.Image(version, "registry.noderr.network/all",
                "sha256:" + String.format("%064x", version.hashCode() & 0xffffffffL));
    }
}
