package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Map;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;

/**
 * A release whose image's version label differs from its version (here the release 2.0.1 is the image labelled
 * 2.0.0): after the update the node reports the release's version, and is not updated to the image it already runs
 * again and again (each time stopping the node's service). Against a control plane of its own and the real Docker
 * engine and registry.
 */
class VersionLabelTest extends OwnControlPlaneNode {

    @Test
    void theNodeReportsTheReleaseItRunsAndIsNotUpdatedToItAgain() throws Exception {
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var release = new TestDocker.Image("2.0.1", v2.repository(), v2.digest()); // labelled 2.0.0
        var nodeId = registerNode("Version Label Operator");
        var config = AgentConfig.load(writeConfig(nodeId), Map.of());
        startNode(v1);
        controlPlane.publishAndActivateAllCohorts("ORACLE", release);

        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            var daemon = agent.daemon();
            assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.UPDATED);
            assertThat(containers.inspect(NODE).map(Daemon::versionOf)).as("the image's label").contains("2.0.0");
            var started = startedAt();

            for (int i = 0; i < 3; i++) {
                assertThat(daemon.check()).as("check %d", i).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            }
            assertThat(startedAt()).as("the node is not swapped for the image it runs").isEqualTo(started);
            assertThat(agent.runningVersion()).contains("2.0.1");

            assertThat(daemon.reportHealth()).isPositive();
            assertThat(controlPlane.get("/api/v1/admin/nodes?q=" + nodeId).get("items").get(0)
                    .get("currentVersion").asText())
                    .as("health reports carry the release's version").isEqualTo("2.0.1");
        }
        try (var restarted = new Agent(config, Clock.systemUTC(), false)) {
            assertThat(restarted.runningVersion()).as("recorded on disk").contains("2.0.1");
            assertThat(restarted.daemon().check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
        }

        // A node whose chain records another image for 2.0.1 (and that has not recorded the release for its image):
        // the control plane's pairing of the running image with 2.0.1 is not taken; the update is refused instead.
        var started = startedAt();
        try (var chain = network.noderr.agent.TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, release.version(), v1.tagged(), v1.digest());
            var lines = java.nio.file.Files.readString(writeConfig(nodeId))
                    .replaceAll("(?m)^beacon-rpc-url=.*$", "beacon-rpc-url=" + chain.rpcUrl())
                    .replaceAll("(?m)^beacon-address=.*$", "beacon-address=" + chain.address())
                    .replaceAll("(?m)^state-dir=.*$", "state-dir=" + dir.resolve("state-other-chain"));
            var file = dir.resolve("agent-other-chain.properties");
            java.nio.file.Files.writeString(file, lines);
            try (var agent = new Agent(AgentConfig.load(file, Map.of()), Clock.systemUTC(), false)) {
                assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATE_FAILED);
                assertThat(agent.updater().failed().orElseThrow().reason()).contains("digest mismatch");
                assertThat(agent.runningVersion()).as("its own label, not the control plane's name").contains("2.0.0");
                assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);
            }
        }
    }
}
