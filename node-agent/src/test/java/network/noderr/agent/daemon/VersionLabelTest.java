package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import network.noderr.agent.TestControlPlane;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.docker.NodeContainers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release whose image's version label differs from its version (here the release 2.0.1 is the image labelled
 * 2.0.0): after the update the node reports the release's version, and is not updated to the image it already runs
 * again and again (each time stopping the node's service). Against a control plane of its own and the real Docker
 * engine and registry.
 */
class VersionLabelTest {

    private static final String NODE = "version-label-node";

    @TempDir
    static Path dir;

    private static TestControlPlane controlPlane;
    private static NodeContainers containers;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = TestControlPlane.start(Map.of("NODERR_ROLLOUTS_RECONCILE_INTERVAL", "PT1H"));
        containers = new NodeContainers(TestDocker.dockerHost());
    }

    @AfterAll
    static void stop() throws Exception {
        if (containers != null) {
            containers.remove(NODE);
            containers.remove(NODE + "-previous");
            containers.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    @Test
    void theNodeReportsTheReleaseItRunsAndIsNotUpdatedToItAgain() throws Exception {
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var release = new TestDocker.Image("2.0.1", v2.repository(), v2.digest()); // labelled 2.0.0
        var nodeId = registerNode();
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
    }

    private static String startedAt() {
        return containers.inspect(NODE).orElseThrow().getState().getStartedAt();
    }

    private static void startNode(TestDocker.Image image) throws Exception {
        containers.client().pullImageCmd(image.repository()).withTag(image.digest())
                .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>()).awaitCompletion();
        containers.client().createContainerCmd(image.pinned()).withName(NODE)
                .withHostConfig(com.github.dockerjava.api.model.HostConfig.newHostConfig().withInit(true)).exec();
        containers.start(NODE);
    }

    private static String registerNode() throws Exception {
        return controlPlane.registerNode(controlPlane.installToken("ORACLE", "Version Label Operator"), "ORACLE",
                dir.resolve("node-key.pem"), "version-label-host");
    }

    private static Path writeConfig(String nodeId) throws Exception {
        var beacon = controlPlane.get("/api/v1/admin/beacon");
        var file = dir.resolve("agent.properties");
        Files.writeString(file, String.join("\n",
                "control-plane-url=" + controlPlane.base(),
                "node-id=" + nodeId,
                "tier=ORACLE",
                "key-type=SOFTWARE",
                "key-path=" + dir.resolve("node-key.pem"),
                "state-dir=" + dir.resolve("state"),
                "docker-host=" + TestDocker.dockerHost(),
                "container=" + NODE,
                "health-window=PT2S",
                "rollback-timeout=PT20S",
                "beacon-rpc-url=" + beacon.get("rpcUrl").asText(),
                "beacon-address=" + beacon.get("contractAddress").asText(),
                "metrics-port=0") + "\n");
        return file;
    }
}
