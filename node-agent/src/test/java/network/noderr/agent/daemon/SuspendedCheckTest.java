package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import network.noderr.agent.TestControlPlane;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code noderr-agent check} on a node the real control plane (its packaged jar) has suspended: the control plane's
 * line is its refusal in its own words, without advice about the URL or the network (it answered). No Docker: the
 * docker line fails on a socket that does not exist and names it.
 */
class SuspendedCheckTest {

    @TempDir
    Path dir;

    @Test
    void aSuspendedNodeIsToldSoWithoutNetworkAdvice() throws Exception {
        var controlPlane = TestControlPlane.shared();
        var key = dir.resolve("node-key.pem");
        var nodeId = controlPlane.registerNode(controlPlane.installToken("GUARDIAN", "Suspended Operator"),
                "GUARDIAN", key, "suspended-host");
        controlPlane.post("/api/v1/admin/nodes/" + nodeId + "/suspend", Map.of(), 200);
        var socket = "unix://" + dir.resolve("no-docker.sock");
        var config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "control-plane-url=" + controlPlane.base(), "node-id=" + nodeId,
                "tier=GUARDIAN", "key-path=" + key, "state-dir=" + dir.resolve("state"), "docker-host=" + socket)
                + "\n");

        var run = AgentEndToEndTest.command("check", "", "--config", config.toString(), "--timeout", "PT10S");
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        var line = run.out().lines().filter(l -> l.startsWith("[FAIL] control plane")).findFirst().orElseThrow();
        assertThat(line).isEqualTo("[FAIL] control plane    the control plane refuses this node (HTTP 403): This "
                + "node is suspended. Contact the network's administrators.");
        assertThat(run.out()).containsPattern("\\[FAIL\\] docker +Docker at " + java.util.regex.Pattern.quote(socket)
                + " did not answer \\(the socket does not exist");
    }
}
