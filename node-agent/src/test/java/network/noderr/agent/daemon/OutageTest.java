package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Map;
import network.noderr.agent.NodeTestSupport;
import network.noderr.agent.TcpRelay;
import network.noderr.agent.TestDocker;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.update.UpdateState;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything the agent depends on goes away — the control plane, the registry and the chain — and comes back one by
 * one. The parts are the real ones (the packaged control plane, the registry process, anvil); the control plane and
 * the chain are cut off by closing the TCP relay the agent reaches them through, the registry by stopping its
 * process. Throughout, the node container keeps running untouched; health reports are buffered on disk and arrive
 * later, all of them, in the order they were taken; the update waits at the step that needs the missing part and
 * finishes once everything is back.
 */
class OutageTest extends NodeTestSupport {

    @TempDir
    static Path dir;

    @AfterAll
    static void registryBack() throws Exception {
        TestDocker.startRegistry();
    }

    @Test
    void theNodeKeepsRunningAndNothingIsLostWhileItsDependenciesAreDown() throws Exception {
        var nodeId = registerAllTierNode();
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var v1Container = startNode("outage-node", v1);

        var beacon = controlPlane.get("/api/v1/admin/beacon");
        var rpc = URI.create(beacon.get("rpcUrl").asText());
        try (var controlPlaneLink = new TcpRelay("127.0.0.1", controlPlane.base().getPort());
                var chainLink = new TcpRelay(rpc.getHost(), rpc.getPort())) {
            Files.writeString(dir.resolve("agent.properties"), String.join("\n",
                    "control-plane-url=http://127.0.0.1:" + controlPlaneLink.port(),
                    "node-id=" + nodeId,
                    "tier=ALL",
                    "key-type=SOFTWARE",
                    "key-path=" + dir.resolve("node-key.pem"),
                    "state-dir=" + dir.resolve("state"),
                    "docker-host=" + TestDocker.dockerHost(),
                    "container=outage-node",
                    "health-window=PT2S",
                    "rollback-timeout=PT20S",
                    "beacon-rpc-url=http://127.0.0.1:" + chainLink.port(),
                    "beacon-address=" + beacon.get("contractAddress").asText(),
                    "metrics-port=0") + "\n");
            var config = AgentConfig.load(dir.resolve("agent.properties"), Map.of());
            try (var agent = new Agent(config, Clock.systemUTC(), false)) {
                var daemon = agent.daemon();
                assertThat(daemon.reportHealth()).as("online: delivered at once").isEqualTo(1);
                controlPlane.publishAndActivateAllCohorts("ALL", v1);
                controlPlane.abortOpenRollouts("ALL");
                controlPlane.publishAndActivateAllCohorts("ALL", v2); // ALL should now run 2.0.0

                // Not in the engine's image store: the pull really needs the registry.
                try {
                    containers.client().removeImageCmd(v2.pinned()).withForce(true).exec();
                } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                    // not pulled by an earlier test
                }

                // Everything is down.
                controlPlaneLink.cut();
                chainLink.cut();
                TestDocker.stopRegistry();
                var taken = new ArrayList<Instant>();
                assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.FAILED);
                for (int i = 0; i < 3; i++) {
                    assertThat(daemon.reportHealth()).as("buffered, not delivered").isZero();
                    taken.add(Instant.now());
                }
                assertUntouched(v1Container);

                // The control plane is back; registry and chain are not. Without the chain no update starts (the
                // agent must know the release is its tier's current one first); the buffered reports and a new one
                // are delivered.
                controlPlaneLink.restore();
                assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.FAILED);
                assertThat(agent.updater().current().state()).isEqualTo(UpdateState.IDLE);
                assertUntouched(v1Container);
                assertThat(daemon.reportHealth()).as("3 buffered + 1 new").isEqualTo(4);

                // The chain is back, the registry is not: the update starts and waits at the pull.
                chainLink.restore();
                assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.RESUMED);
                assertThat(agent.updater().current().state()).isEqualTo(UpdateState.PULLING);
                assertUntouched(v1Container);

                // The chain is down again and the registry back: nothing is fetched while the target cannot be
                // checked against the chain; the update waits at the pull.
                chainLink.cut();
                TestDocker.startRegistry();
                assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.RESUMED);
                assertThat(agent.updater().current().state()).isEqualTo(UpdateState.PULLING);
                org.assertj.core.api.Assertions.assertThatThrownBy(
                                () -> containers.client().inspectImageCmd(v2.pinned()).exec())
                        .as("not pulled").isInstanceOf(com.github.dockerjava.api.exception.NotFoundException.class);
                assertUntouched(v1Container);

                // The chain is back: the update completes.
                chainLink.restore();
                daemon.check();
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> agent.updater().current().state() == UpdateState.IDLE);
                assertThat(agent.runningVersion()).contains("2.0.0");
                assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);

                // Every report arrived, in the order taken: 1 before the outage, 3 buffered, 1 after.
                var history = controlPlane.get("/api/v1/admin/nodes/" + nodeId + "/health?limit=100");
                assertThat(history).hasSize(5);
                var stored = new ArrayList<Instant>();
                history.forEach(r -> stored.add(0, Instant.parse(r.get("reportedAt").asText())));
                assertThat(stored).isSorted();
                for (int i = 0; i < 3; i++) { // the buffered ones, each taken just before its timestamp was noted
                    assertThat(stored.get(i + 1)).isBeforeOrEqualTo(taken.get(i));
                }
            }
        }
    }

    private static void assertUntouched(String v1Container) {
        var now = containers.inspect("outage-node").orElseThrow();
        assertThat(now.getId()).isEqualTo(v1Container);
        assertThat(now.getState().getRunning()).isTrue();
        assertThat(containers.inspect("outage-node-previous")).isEmpty();
    }

    private static String registerAllTierNode() throws Exception {
        var token = controlPlane.installToken("ALL", "Outage Operator");
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        var keys = generator.generateKeyPair();
        Files.writeString(dir.resolve("node-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return ControlPlane.register(controlPlane.base(), token,
                Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()), "outage-host",
                Map.of("cpuCores", 32, "memoryGb", 128, "diskGb", 4000, "networkMbps", 10000, "gpu", true), null)
                .get("nodeId").asText();
    }
}
