package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import network.noderr.agent.NodeTestSupport;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's disk is full (or read-only): health samples cannot be buffered, yet the control plane (its packaged
 * jar) still hears from the node — what was buffered before first, then each new sample from memory.
 */
class DiskFullTest extends NodeTestSupport {

    @TempDir
    Path dir;

    @Test
    void healthStillReachesTheControlPlaneWhenTheBufferCannotWrite() throws Exception {
        var nodeId = register("disk-full");
        startNode("disk-full", TestDocker.image("v1"));
        var file = dir.resolve("agent.properties");
        Files.writeString(file, String.join("\n",
                "control-plane-url=" + controlPlane.base(),
                "node-id=" + nodeId,
                "tier=GUARDIAN",
                "key-path=" + dir.resolve("node-key.pem"),
                "state-dir=" + dir.resolve("state"),
                "docker-host=" + TestDocker.dockerHost(),
                "container=disk-full",
                "metrics-port=0") + "\n");
        var config = AgentConfig.load(file, Map.of());
        var buffer = new FailingWritesHealthBuffer(config.stateDir().resolve("health-buffer"), 10_000);
        buffer.failing(false);
        buffer.add(Map.of("nodeId", nodeId, "version", "1.0.0", "metrics", Map.of("uptime", 1, "cpu", 1.0,
                "memory", 1.0, "disk", 99.0, "errors", 0), "timestamp", java.time.Instant.now().minusSeconds(60)
                .truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString())); // taken before the disk filled
        buffer.failing(true);

        try (var agent = new Agent(config, Clock.systemUTC(), false, buffer)) {
            assertThat(agent.daemon().reportHealth()).as("the buffered report and the new sample").isEqualTo(2);
            assertThat(agent.daemon().lastReport()).isNotNull();
            assertThat(agent.daemon().reportHealth()).as("and the next sample").isEqualTo(1);
        }
        assertThat(buffer.size()).isZero();
        var stored = controlPlane.get("/api/v1/admin/nodes/" + nodeId + "/health?limit=10");
        assertThat(stored).as(stored.toString()).hasSize(3);
    }

    private String register(String name) throws Exception {
        return controlPlane.registerNode(controlPlane.installToken("GUARDIAN", "Disk Full Operator"), "GUARDIAN",
                dir.resolve("node-key.pem"), name + "-host");
    }
}
