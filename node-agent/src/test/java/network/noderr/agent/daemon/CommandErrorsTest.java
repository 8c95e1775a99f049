package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands' errors say what failed and why in one line: {@code run} with its metrics port taken (another agent)
 * names the port and the setting and exits 3, which the unit does not restart on; {@code retry} names the cause of a
 * state it cannot read. No Docker and no control plane needed.
 */
class CommandErrorsTest {

    @TempDir
    Path dir;

    private Path config(String... extra) throws Exception {
        var key = dir.resolve("node-key.pem");
        var generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        var lines = new java.util.ArrayList<>(java.util.List.of("control-plane-url=http://127.0.0.1:9",
                "node-id=ndr_errors", "tier=ALL", "key-path=" + key, "state-dir=" + dir.resolve("state"),
                "docker-host=unix://" + dir.resolve("no-docker.sock")));
        lines.addAll(java.util.List.of(extra));
        var file = dir.resolve("agent.properties");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void aTakenMetricsPortStopsTheAgentWithOneLineAndExitCode3() throws Exception {
        try (var taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            var run = AgentEndToEndTest.command("run", "", "--config",
                    config("metrics-port=" + taken.getLocalPort()).toString());
            assertThat(run.exit()).as(run.toString()).isEqualTo(3);
            assertThat(run.err().strip())
                    .startsWith("noderr-agent: the metrics port " + taken.getLocalPort() + " (metrics-port) is "
                            + "already in use: is another noderr-agent running on this host")
                    .doesNotContain("BindException").doesNotContain("\tat ")
                    .hasLineCount(1);
        }
        var unit = Files.readString(Path.of("../installers/noderr-agent.service"));
        assertThat(unit).containsPattern("(?m)^RestartPreventExitStatus=3$");
    }

    @Test
    void retrySaysWhyTheStateCouldNotBeRead() throws Exception {
        var file = config();
        var record = dir.resolve("state").resolve("failed-target.json");
        Files.createDirectories(record); // a directory: it cannot be read as the record
        var retry = AgentEndToEndTest.command("retry", "", "--config", file.toString());
        assertThat(retry.exit()).isEqualTo(1);
        assertThat(retry.err().strip()).startsWith("Retry failed: The failed-target record " + record
                + " is unreadable; delete it to let the agent try every target again: ")
                .hasLineCount(1);
    }
}
