package network.noderr.agent.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import network.noderr.agent.TestControlPlane;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator with 1,000 nodes against the real control plane: all register, authenticate and report. */
class FleetTest {

    @Test
    void aThousandSimulatedNodesRegisterAndReport() throws Exception {
        var controlPlane = TestControlPlane.shared();
        try (var fleet = new Fleet(new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "GUARDIAN",
                1000, Duration.ofSeconds(30), 0.1, 0, "1.0.0"))) {
            long start = System.nanoTime();
            assertThat(fleet.register()).isEqualTo(1000);
            long registered = System.nanoTime();
            assertThat(fleet.round()).as("one health report per node").isEqualTo(1000);
            System.out.printf("simulator: 1000 nodes registered in %.1f s, one round of checks + reports in %.1f s%n",
                    (registered - start) / 1e9, (System.nanoTime() - registered) / 1e9);
            assertThat(fleet.errors()).isZero();

            var all = controlPlane.get("/api/v1/admin/nodes?tier=GUARDIAN&size=1");
            assertThat(all.get("total").asLong()).isGreaterThanOrEqualTo(1000);
            var unhealthy = controlPlane.get("/api/v1/admin/nodes?tier=GUARDIAN&health=unhealthy&size=1");
            assertThat(unhealthy.get("total").asLong()).as("about 10 % injected").isBetween(50L, 160L);
        }
    }

    @Test
    void aFleetWithAStateFileComesBackAsTheSameNodes(@TempDir Path dir) throws Exception {
        var controlPlane = TestControlPlane.shared();
        var state = dir.resolve("fleet-GUARDIAN.json");
        java.util.List<String> first;
        java.util.List<String> four;
        try (var fleet = new Fleet(new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "GUARDIAN", 3,
                Duration.ofSeconds(30), 0, 0, "1.0.0", state))) {
            assertThat(fleet.register()).isEqualTo(3);
            first = fleet.nodeIds();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).as("it holds private keys")
                .isEqualTo("rw-------");
        long before = controlPlane.get("/api/v1/admin/nodes?tier=GUARDIAN&size=1").get("total").asLong();

        // A restart: the same three nodes log in with their keys and report; no new node registers. Their flaws are
        // this run's (all unhealthy here), not the earlier run's.
        try (var fleet = new Fleet(new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "GUARDIAN", 3,
                Duration.ofSeconds(30), 1, 0, "1.0.0", state))) {
            assertThat(fleet.register()).isEqualTo(3);
            assertThat(fleet.nodeIds()).containsExactlyElementsOf(first);
            assertThat(fleet.round()).isEqualTo(3);
            assertThat(fleet.errors()).isZero();
            for (var id : first) {
                assertThat(controlPlane.get("/api/v1/admin/nodes/" + id).get("node").get("healthStatus").asText())
                        .isEqualTo("unhealthy");
            }
        }
        assertThat(controlPlane.get("/api/v1/admin/nodes?tier=GUARDIAN&size=1").get("total").asLong()).isEqualTo(before);

        // More nodes asked for: the saved ones come back and only the difference registers.
        try (var fleet = new Fleet(new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "GUARDIAN", 4,
                Duration.ofSeconds(30), 0, 0, "1.0.0", state))) {
            assertThat(fleet.register()).isEqualTo(4);
            assertThat(fleet.nodeIds()).startsWith(first.toArray(String[]::new)).hasSize(4);
            four = fleet.nodeIds();
        }
        assertThat(controlPlane.get("/api/v1/admin/nodes?tier=GUARDIAN&size=1").get("total").asLong())
                .isEqualTo(before + 1);

        // Fewer asked for: the others stay in the file, and a later, larger run brings all four back.
        try (var fleet = new Fleet(new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "GUARDIAN", 2,
                Duration.ofSeconds(30), 0, 0, "1.0.0", state))) {
            assertThat(fleet.register()).isEqualTo(2);
        }
        try (var fleet = new Fleet(new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "GUARDIAN", 4,
                Duration.ofSeconds(30), 0, 0, "1.0.0", state))) {
            assertThat(fleet.register()).isEqualTo(4);
            assertThat(fleet.nodeIds()).containsExactlyElementsOf(four);
        }
        assertThat(controlPlane.get("/api/v1/admin/nodes?tier=GUARDIAN&size=1").get("total").asLong())
                .as("no node registered again").isEqualTo(before + 1);
    }

    /**
     * A simulated node has no metrics endpoint: it tells the control plane so at login (metrics port 0), and
     * Prometheus' service discovery leaves it out. Listed at the default port 9101, every demo node was a target that
     * never answered, and NodeDown fired for the whole demo fleet two minutes after Prometheus started.
     */
    @Test
    void simulatedNodesAreNotPrometheusTargets() throws Exception {
        var controlPlane = TestControlPlane.shared();
        try (var fleet = new Fleet(new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "ORACLE", 3,
                Duration.ofSeconds(30), 0, 0, "1.0.0"))) {
            assertThat(fleet.register()).isEqualTo(3);
            // One report each, and one more from each node the round updated (ORACLE may have a release by now).
            assertThat(fleet.round()).as("logged in and reported").isBetween(3L, 6L);
            var targets = controlPlane.get("/api/v1/sd/nodes").toString();
            for (var id : fleet.nodeIds()) {
                assertThat(targets).as("service discovery lists no simulated node").doesNotContain(id);
            }
        }
    }

    @Test
    void aLaterRunFindsItsApplicationBehindAFullPageOfNewerOnes() throws Exception {
        var controlPlane = TestControlPlane.shared();
        var options = new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, "GUARDIAN", 1,
                Duration.ofSeconds(30), 0, 0, "1.0.0");
        try (var fleet = new Fleet(options)) {
            assertThat(fleet.register()).isEqualTo(1);
        }
        // 500 approved applications newer than the fleet's: a whole first page (the list's default size).
        for (int i = 0; i < 500; i++) {
            controlPlane.installToken("ALL", "Operator " + i);
        }
        var approved = approvedCount(controlPlane);
        try (var fleet = new Fleet(options)) {
            assertThat(fleet.register()).isEqualTo(1);
        }
        assertThat(approvedCount(controlPlane)).as("no second fleet application").isEqualTo(approved);
    }

    @Test
    void theNextPageIsReadFromTheLinkHeader() {
        assertThat(Fleet.nextPage("<http://cp/api/v1/admin/applications?status=APPROVED&after=a1&limit=500>; rel=\"next\""))
                .contains("http://cp/api/v1/admin/applications?status=APPROVED&after=a1&limit=500");
        assertThat(Fleet.nextPage("<http://cp/x>; rel=\"prev\"")).isEmpty();
    }

    private static long approvedCount(TestControlPlane controlPlane) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        controlPlane.base().resolve("/api/v1/admin/applications?status=APPROVED&limit=1"))
                .header("Authorization", "Bearer " + TestControlPlane.ADMIN_TOKEN).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        return Long.parseLong(response.headers().firstValue("X-Total-Count").orElseThrow());
    }
}
