package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import network.noderr.agent.TcpRelay;
import network.noderr.agent.TestControlPlane;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.api.NodeSigner;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The push channel to the real control plane (its packaged jar) through a TCP relay: the control plane answers the
 * client's pings, and a connection that goes silent without closing (the relay drops everything on it) is noticed
 * and replaced.
 */
class PushClientTest {

    @TempDir
    Path dir;

    @Test
    void aSilentConnectionIsNoticedAndReplaced() throws Exception {
        var controlPlane = TestControlPlane.shared();
        var token = controlPlane.installToken("ALL", "Push Operator");
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        var keys = generator.generateKeyPair();
        var key = dir.resolve("node-key.pem");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        var nodeId = ControlPlane.register(controlPlane.base(), token,
                Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()), "push-host",
                Map.of("cpuCores", 4, "memoryGb", 16, "diskGb", 500, "networkMbps", 1000, "gpu", false), "ALL")
                .get("nodeId").asText();
        var timing = new PushClient.Timing(Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(100),
                Duration.ofMillis(500), Duration.ofSeconds(60));
        try (var relay = new TcpRelay("127.0.0.1", controlPlane.base().getPort())) {
            var api = new ControlPlane(URI.create("http://127.0.0.1:" + relay.port()), nodeId,
                    NodeSigner.keyFile(key), Clock.systemUTC());
            api.streamToken(); // logged in: reconnects need no new login
            try (var push = new PushClient(api, type -> {}, timing)) {
                push.start();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(push::connected);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> push.pongs() >= 3);
                assertThat(push.opened()).as("pings answered: the connection stays").isEqualTo(1);
                assertThat(push.connected()).isTrue();

                relay.blackhole(); // the connection stays open, but nothing goes through it any more
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> push.opened() >= 2);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(push::connected);
                long pongs = push.pongs();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> push.pongs() > pongs);
            }
        }
    }
}
