package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.HostConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import network.noderr.agent.TestControlPlane;
import network.noderr.agent.TestDocker;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.docker.NodeContainers;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against the real control plane (its packaged jar, on its embedded PostgreSQL and local chain), a real
 * Docker engine and registry: an operator's application is approved, the node registers with the install token and
 * its key, proves the key, and when ORACLE 2.0.0 is published on-chain and all cohorts are active, one check updates
 * the node container from 1.0.0 to 2.0.0, and the control plane records the update and the health reports.
 */
class AgentEndToEndTest {

    private static TestControlPlane controlPlane;
    private static NodeContainers containers;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = TestControlPlane.shared();
        containers = new NodeContainers(TestDocker.dockerHost());
    }

    @AfterAll
    static void stop() throws Exception {
        if (containers != null) {
            containers.remove("e2e-node");
            containers.remove("e2e-node-previous");
            containers.close();
        }
    }

    @Test
    void aRegisteredNodeFollowsItsTierFromPublishToUpdate() throws Exception {
        // Onboarding: application, approval, registration with the node's own key.
        var application = controlPlane.post("/api/v1/applications", Map.of("operatorName", "E2E Operator",
                "email", "e2e@example.org", "walletAddress", "0x" + "cd".repeat(20), "requestedTier", "ORACLE",
                "hardware", hardware()), 201);
        var token = controlPlane.post("/api/v1/admin/applications/" + application.get("applicationId").asText()
                + "/approve", Map.of(), 200).get("installToken").asText();
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        var keys = generator.generateKeyPair();
        var keyFile = dir.resolve("node-key.pem");
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        var registered = ControlPlane.register(controlPlane.base(), token,
                Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()), "e2e-host", hardware());
        var nodeId = registered.get("nodeId").asText();

        // The node runs 1.0.0; the control plane's chain records 1.0.0 and then 2.0.0 for ORACLE.
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        containers.client().pullImageCmd(v1.repository()).withTag(v1.digest())
                .exec(new ResultCallback.Adapter<>()).awaitCompletion();
        containers.client().createContainerCmd(v1.pinned()).withName("e2e-node")
                .withHostConfig(HostConfig.newHostConfig().withInit(true)).exec();
        containers.start("e2e-node");
        var beacon = controlPlane.get("/api/v1/admin/beacon");
        int metricsPort;
        try (var socket = new java.net.ServerSocket(0)) {
            metricsPort = socket.getLocalPort();
        }
        publishAndActivateAllCohorts(v1);
        abortOpenRollout();
        var rollout = publishAndActivateAllCohorts(v2);

        Files.writeString(dir.resolve("agent.properties"), String.join("\n",
                "control-plane-url=" + controlPlane.base(),
                "node-id=" + nodeId,
                "tier=ORACLE",
                "key-type=SOFTWARE",
                "key-path=" + keyFile,
                "state-dir=" + dir.resolve("state"),
                "docker-host=" + TestDocker.dockerHost(),
                "container=e2e-node",
                "health-window=PT2S",
                "rollback-timeout=PT20S",
                "beacon-rpc-url=" + beacon.get("rpcUrl").asText(),
                "beacon-address=" + beacon.get("contractAddress").asText(),
                "metrics-port=" + metricsPort) + "\n");
        var config = AgentConfig.load(dir.resolve("agent.properties"), Map.of());
        assertThat(config.metricsPort()).isEqualTo(metricsPort);

        try (var agent = new Agent(config, Clock.systemUTC())) {
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATED);
            assertThat(agent.runningVersion()).contains("2.0.0");
            assertThat(agent.daemon().check()).as("nothing more to do").isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(agent.daemon().reportHealth()).isEqualTo(1);
            var metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("node_version{tier=\"ORACLE\",version=\"2.0.0\"} 1.0")
                    .doesNotContain("version=\"1.0.0\"")
                    .contains("node_update_failed{tier=\"ORACLE\"} 0.0")
                    .contains("node_updates_total{result=\"SUCCEEDED\"} 1.0")
                    .contains("node_last_check_timestamp_seconds")
                    .contains("node_last_successful_report_timestamp_seconds")
                    .contains("node_update_duration_seconds_count{result=\"SUCCEEDED\"} 1");

            // An emergency rollback is pushed: the node is back on 1.0.0 within seconds, without waiting for its
            // periodic check.
            var checks = java.util.concurrent.Executors.newSingleThreadExecutor();
            try (var push = agent.push(type -> checks.execute(() -> {
                try {
                    agent.daemon().check();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }))) {
                push.start();
                Awaitility.await().atMost(Duration.ofSeconds(15)).until(push::connected);
                long start = System.nanoTime();
                controlPlane.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                        Map.of("toVersion", "1.0.0", "reason", "end-to-end rollback"), 200);
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> agent.runningVersion().orElse("").equals("1.0.0"));
                System.out.printf("emergency rollback: node on 1.0.0 %.1f s after the API call%n",
                        (System.nanoTime() - start) / 1e9);
            } finally {
                checks.shutdownNow();
            }
        }

        var node = controlPlane.get("/api/v1/admin/nodes?q=" + nodeId).get("items").get(0);
        assertThat(node.get("nodeId").asText()).isEqualTo(nodeId);
        assertThat(node.get("currentVersion").asText()).isEqualTo("2.0.0");
        assertThat(node.get("healthStatus").asText()).as("health reports delivered").isNotBlank();
        var view = controlPlane.get("/api/v1/admin/rollouts/" + rollout);
        assertThat(view.get("updatedNodes").asInt()).as(view.toString()).isEqualTo(1);
    }

    private static Map<String, Object> hardware() {
        return Map.of("cpuCores", 32, "memoryGb", 128, "diskGb", 4000, "networkMbps", 10000, "gpu", true);
    }

    /** Publishes on-chain through the management API, waits for the rollout and activates every cohort. */
    private static String publishAndActivateAllCohorts(TestDocker.Image image) throws Exception {
        controlPlane.post("/api/v1/admin/releases", Map.of("tier", "ORACLE", "versionString", image.version(),
                "imageRef", image.tagged(), "imageDigest", image.digest(), "configHash", "0x" + "0".repeat(63) + "1"),
                202);
        var id = Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    var list = controlPlane.get("/api/v1/admin/rollouts?tier=ORACLE&status=active");
                    return list.size() > 0 && list.get(0).get("versionString").asText().equals(image.version())
                            ? list.get(0).get("id").asText() : null;
                }, java.util.Objects::nonNull);
        for (int i = 0; i < 4; i++) {
            controlPlane.post("/api/v1/admin/rollouts/" + id + "/promote", Map.of(), 200);
        }
        return id;
    }

    private static void abortOpenRollout() throws Exception {
        var list = controlPlane.get("/api/v1/admin/rollouts?tier=ORACLE&status=active");
        for (var r : list) {
            controlPlane.post("/api/v1/admin/rollouts/" + r.get("id").asText() + "/abort", Map.of(), 200);
        }
    }
}
