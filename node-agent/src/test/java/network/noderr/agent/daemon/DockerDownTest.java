package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import network.noderr.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker engine's socket is missing and the control plane unreachable: the daemon's periodic jobs fail softly,
 * every time, so that the scheduler running them keeps them scheduled (a job that throws is never run again).
 */
class DockerDownTest {

    @TempDir
    Path dir;

    @Test
    void checksAndHealthReportsFailWithoutThrowingAndKeepFailingSoftly() throws Exception {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        Files.writeString(dir.resolve("node-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Files.writeString(dir.resolve("agent.properties"), String.join("\n",
                "control-plane-url=http://127.0.0.1:9",
                "node-id=node-docker-down",
                "tier=ALL",
                "key-path=" + dir.resolve("node-key.pem"),
                "state-dir=" + dir.resolve("state"),
                "docker-host=unix://" + dir.resolve("no-docker.sock"),
                "metrics-port=0") + "\n");
        var config = AgentConfig.load(dir.resolve("agent.properties"), Map.of());
        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            var daemon = agent.daemon();
            for (int i = 0; i < 2; i++) {
                assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.FAILED);
                assertThatCode(() -> assertThat(daemon.reportHealth()).isZero()).doesNotThrowAnyException();
            }
            assertThat(daemon.lastReport()).as("nothing was delivered").isNull();
        }
    }
}
