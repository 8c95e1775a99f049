package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Map;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.docker.FirstContainer;
import network.noderr.agent.update.UpdateOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A freshly installed node has no container: the daemon creates it from the release the control plane names. Against
 * a control plane of its own (its packaged jar, embedded PostgreSQL and chain: ORACLE's releases start from nothing),
 * the real Docker engine and registry: the first release (3.0.0, whose health check fails) leaves the node without a
 * container again and is reported ROLLED_BACK from no version; the next one (4.0.0) is not started while its rollout is
 * paused (the status record says the node is not moved to it now), and once resumed becomes the node's container with
 * the configured port, data volume and restart policy, and the control plane counts the node as updated.
 */
class FreshNodeTest extends OwnControlPlaneNode {

    private static final String VOLUME = "fresh-node-test-data";

    @AfterAll
    static void removeVolume() {
        try (var docker = new network.noderr.agent.docker.NodeContainers(TestDocker.dockerHost())) {
            docker.remove(NODE);
            docker.client().removeVolumeCmd(VOLUME).exec();
        } catch (com.github.dockerjava.api.exception.NotFoundException | java.io.IOException gone) {
            // nothing to remove
        }
    }

    @Test
    void aNodeWithoutContainerGetsItsFirstOneFromTheTiersRelease() throws Exception {
        var configFile = writeConfig(registerNode("Fresh Node Operator"));
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.writeString(configFile, String.join("\n", "node-ports=127.0.0.1:" + port + ":8080",
                "node-data-volume=" + VOLUME, "node-restart-policy=always") + "\n", StandardOpenOption.APPEND);
        var config = AgentConfig.load(configFile, Map.of());
        assertThat(config.firstContainer()).isEqualTo(new FirstContainer(java.util.List.of("127.0.0.1:" + port
                + ":8080"), VOLUME, "always"));
        assertThat(containers.inspect(NODE)).as("a fresh node").isEmpty();

        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            // No release yet and no container: nothing to do, and the status record says so (not "up to date").
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(AgentStatus.load(config.stateDir()).orElseThrow().result()).isEqualTo(AgentStatus.NO_RELEASE);

            // The first release is unhealthy here: the container is removed again, the node is as it was.
            var bad = controlPlane.publishAndActivateAllCohorts("ORACLE", TestDocker.image("bad"));
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATE_FAILED);
            assertThat(containers.inspect(NODE)).isEmpty();
            assertThat(agent.updater().failed().orElseThrow().outcome()).isEqualTo(UpdateOutcome.ROLLED_BACK);
            var failedRollout = controlPlane.get("/api/v1/admin/rollouts/" + bad);
            assertThat(failedRollout.get("updatedNodes").asInt()).isZero();
            controlPlane.abortOpenRollouts("ORACLE");

            // The next release, its rollout paused: named, but the node is not moved to it now. The status record
            // says that (not "up to date", not "no release"), and the node stays without a container.
            var rollout = controlPlane.publishAndActivateAllCohorts("ORACLE", TestDocker.image("v4"));
            controlPlane.post("/api/v1/admin/rollouts/" + rollout + "/pause", Map.of("reason", "fresh node test"),
                    200);
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            var waiting = AgentStatus.load(config.stateDir()).orElseThrow();
            assertThat(waiting.result()).isEqualTo(AgentStatus.NOT_MOVED_NOW);
            assertThat(containers.inspect(NODE)).isEmpty();

            // Resumed: it becomes the node's first container.
            controlPlane.post("/api/v1/admin/rollouts/" + rollout + "/resume", Map.of(), 200);
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATED);
            assertThat(AgentStatus.load(config.stateDir()).orElseThrow().result()).isEqualTo("UPDATED");
            assertThat(agent.runningVersion()).contains("4.0.0");
            var node = containers.inspect(NODE).orElseThrow();
            assertThat(node.getHostConfig().getRestartPolicy().toString()).isEqualTo("always");
            assertThat(node.getHostConfig().getInit()).isTrue();
            assertThat(node.getHostConfig().getBinds()).extracting(b -> b.getPath() + ":" + b.getVolume().getPath())
                    .containsExactly(VOLUME + ":/var/lib/noderr");
            assertThat(node.getHostConfig().getPortBindings().getBindings()
                    .get(com.github.dockerjava.api.model.ExposedPort.tcp(8080))[0].getHostPortSpec())
                    .isEqualTo(Integer.toString(port));
            assertThat(containers.health(NODE)).isEqualTo(network.noderr.agent.docker.NodeContainers.Health.HEALTHY);
            assertThat(agent.daemon().check()).as("nothing more to do").isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(AgentStatus.load(config.stateDir()).orElseThrow().result()).as("runs the target")
                    .isEqualTo("UP_TO_DATE");
            assertThat(agent.daemon().reportHealth()).isEqualTo(1);
            var view = controlPlane.get("/api/v1/admin/rollouts/" + rollout);
            assertThat(view.get("updatedNodes").asInt()).as(view.toString()).isEqualTo(1);
            assertThat(view.get("status").asText()).as(view.toString()).isNotEqualTo("PAUSED");
        }
    }
}
