package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import network.noderr.agent.NodeTestSupport;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against the real control plane (its packaged jar, on its embedded PostgreSQL and local chain), a real
 * Docker engine and registry: an operator's application is approved, the node registers with the install token and
 * its key, proves the key, and when ORACLE 2.0.0 is published on-chain and all cohorts are active, one check updates
 * the node container from 1.0.0 to 2.0.0, and the control plane records the update and the health reports.
 */
class AgentEndToEndTest extends NodeTestSupport {

    @TempDir
    static Path dir;

    @Test
    void aRegisteredNodeFollowsItsTierFromPublishToUpdate() throws Exception {
        // Onboarding: application, approval, registration with the node's own key.
        var token = controlPlane.installToken("ORACLE", "E2E Operator");
        // noderr-agent register: creates the node key, registers it with the token (from stdin), logs in once and
        // writes agent.properties with the VersionBeacon the control plane advertises.
        var configFile = dir.resolve("agent.properties");
        var register = command("register", token + "\n", "--url", controlPlane.base().toString(), "--config",
                configFile.toString(), "--tier", "ORACLE");
        assertThat(register.exit()).as(register.toString()).isZero();
        assertThat(register.out()).contains("Registered as ").contains("(tier ORACLE)");
        var written = new java.util.Properties();
        try (var in = Files.newBufferedReader(configFile)) {
            written.load(in);
        }
        var nodeId = written.getProperty("node-id");
        assertThat(nodeId).isNotBlank();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile)))
                .isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("node-key.pem")))).isEqualTo("rw-------");
        assertThat(Files.readString(configFile)).doesNotContain(token);
        var again = command("register", token + "\n", "--url", controlPlane.base().toString(), "--config",
                configFile.toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("already registers this machine as " + nodeId);

        // The node runs 1.0.0; the control plane's chain records 1.0.0 and then 2.0.0 for ORACLE.
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        startNode("e2e-node", v1);
        var beacon = controlPlane.get("/api/v1/admin/beacon");
        int metricsPort;
        try (var socket = new java.net.ServerSocket(0)) {
            metricsPort = socket.getLocalPort();
        }
        controlPlane.publishAndActivateAllCohorts("ORACLE", v1);
        controlPlane.abortOpenRollouts("ORACLE");
        var rollout = controlPlane.publishAndActivateAllCohorts("ORACLE", v2);

        assertThat(written.getProperty("beacon-address")).isEqualToIgnoringCase(beacon.get("contractAddress").asText());
        assertThat(written.getProperty("beacon-rpc-url")).startsWith("http://127.0.0.1:");
        Files.writeString(configFile, String.join("\n",
                "state-dir=" + dir.resolve("state"),
                "docker-host=" + TestDocker.dockerHost(),
                "container=e2e-node",
                "health-window=PT2S",
                "rollback-timeout=PT20S",
                "metrics-port=" + metricsPort) + "\n", java.nio.file.StandardOpenOption.APPEND);
        var config = AgentConfig.load(dir.resolve("agent.properties"), Map.of());
        assertThat(config.metricsPort()).isEqualTo(metricsPort);

        try (var agent = new Agent(config, Clock.systemUTC())) {
            // The run command reports health after every update; here the hook does the same, on the check's thread.
            var afterUpdate = new java.util.ArrayList<Integer>();
            agent.daemon().afterUpdate(() -> afterUpdate.add(agent.daemon().reportHealth()));
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATED);
            assertThat(agent.runningVersion()).contains("2.0.0");
            assertThat(afterUpdate).as("health reports delivered right after the update").containsExactly(1);
            assertThat(controlPlane.get("/api/v1/admin/nodes/" + config.nodeId() + "/health?limit=1").get(0)
                    .get("version").asText()).as("the newest health report").isEqualTo("2.0.0");
            assertThat(agent.daemon().check()).as("nothing more to do").isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(afterUpdate).as("no update, no extra report").hasSize(1);
            assertThat(agent.daemon().reportHealth()).isEqualTo(1);
            var view = controlPlane.get("/api/v1/admin/rollouts/" + rollout);
            assertThat(view.get("updatedNodes").asInt()).as(view.toString()).isEqualTo(1);
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
            assertThat(controlPlane.get("/api/v1/sd/nodes").toString())
                    .as("Prometheus is sent to the metrics port this agent told at login")
                    .contains("\"127.0.0.1:" + metricsPort + "\"],\"labels\":{\"node_id\":\"" + nodeId + "\"");

            // An emergency rollback is pushed: the node is back on 1.0.0 within seconds, without waiting for its
            // periodic check (the push names the target: no version query on the way).
            var checks = java.util.concurrent.Executors.newSingleThreadExecutor();
            try (var push = agent.push(message -> checks.execute(() -> {
                try {
                    agent.daemon().onPush(message);
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
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                        agent.updater().current().state() == network.noderr.agent.update.UpdateState.IDLE);
            } finally {
                checks.shutdownNow();
            }

            // noderr-agent status, from another "process": versions, last check and report, no lock.
            var status = command("status", "", "--config", configFile.toString());
            assertThat(status.exit()).isZero();
            assertThat(status.out()).containsPattern("running: +1\\.0\\.0 \\(container e2e-node, running\\)")
                    .containsPattern("previous: +2\\.0\\.0 \\(replaced ")
                    .containsPattern("update: +IDLE")
                    .containsPattern("last check: +20\\d\\d-")
                    .containsPattern("last report: +20\\d\\d-")
                    .containsPattern("lock: +none");

            // noderr-agent rollback refuses to "go back" to 2.0.0, the version the emergency rollback left (also
            // withdrawn on-chain): it is newer than the running 1.0.0, and a rollback never goes forward.
            var withdrawn = command("rollback", "", "--config", configFile.toString(), "--yes");
            assertThat(withdrawn.exit()).as(withdrawn.toString()).isEqualTo(1);
            assertThat(withdrawn.err()).contains("Refusing to roll back from 1.0.0 to 2.0.0: 2.0.0 is newer")
                    .contains("Nothing changed");
            assertThat(agent.runningVersion()).contains("1.0.0");
            assertThat(config.lockFile()).as("no hold written").doesNotExist();

            // A fixed release, 4.0.0, follows; then noderr-agent rollback goes back to the previous version (1.0.0,
            // checked on-chain again) and holds updates with the operator lock, even against the control plane.
            var v4 = TestDocker.image("v4");
            controlPlane.publishAndActivateAllCohorts("ORACLE", v4);
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATED);
            assertThat(agent.runningVersion()).contains("4.0.0");
            var unconfirmed = command("rollback", "", "--config", configFile.toString());
            assertThat(unconfirmed.exit()).isEqualTo(1);
            assertThat(unconfirmed.err()).contains("Not confirmed").contains("Nothing changed");
            assertThat(agent.runningVersion()).contains("4.0.0");
            var rollback = command("rollback", "", "--config", configFile.toString(), "--yes", "--reason",
                    "4.0.0 loses peers");
            assertThat(rollback.exit()).as(rollback.toString()).isZero();
            assertThat(rollback.out()).contains("The node runs 1.0.0");
            assertThat(agent.runningVersion()).contains("1.0.0");
            assertThat(Files.readString(config.lockFile())).contains("4.0.0 loses peers");
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.HELD_BY_LOCK);
            assertThat(agent.runningVersion()).contains("1.0.0");
            // A lock whose existence cannot be told (a symlink loop here; in the service's namespace, a path it
            // may not look at) holds as well: the daemon fails closed.
            var hold = Files.readString(config.lockFile());
            Files.delete(config.lockFile());
            Files.createSymbolicLink(config.lockFile(), config.lockFile().getFileName());
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.HELD_BY_LOCK);
            assertThat(agent.runningVersion()).contains("1.0.0");
            Files.delete(config.lockFile());
            Files.writeString(config.lockFile(), hold);
            // A second rollback would go forward: the previous version recorded is now 4.0.0, the one the rollback
            // left. Refused, nothing changed; going forward is the daemon's, once the lock is gone.
            var back = command("rollback", "", "--config", configFile.toString(), "--yes");
            assertThat(back.exit()).as(back.toString()).isEqualTo(1);
            assertThat(back.err()).contains("Refusing to roll back from 1.0.0 to 4.0.0")
                    .contains("4.0.0 is newer than the version the node runs").contains("Nothing changed")
                    .contains("delete the operator lock " + config.lockFile());
            assertThat(back.out()).doesNotContain("Rolling back");
            assertThat(agent.runningVersion()).contains("1.0.0");
            assertThat(Files.readString(config.lockFile())).as("the hold is as it was").isEqualTo(hold);
            Files.delete(config.lockFile());
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATED);
            assertThat(agent.runningVersion()).contains("4.0.0");
        }

        var node = controlPlane.get("/api/v1/admin/nodes?q=" + nodeId).get("items").get(0);
        assertThat(node.get("nodeId").asText()).isEqualTo(nodeId);
        assertThat(node.get("currentVersion").asText()).as("the last reported update: forward to 4.0.0 again")
                .isEqualTo("4.0.0");
        assertThat(node.get("healthStatus").asText()).as("health reports delivered").isNotBlank();
    }

    /** What a command printed and returned. */
    record Run(int exit, String out, String err) {}

    /** Runs a noderr-agent command in this JVM with {@code stdin} as its standard input. */
    static synchronized Run command(String name, String stdin, String... args) {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        var oldIn = System.in;
        var oldOut = System.out;
        var oldErr = System.err;
        try {
            System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            var all = new String[args.length + 1];
            all[0] = name;
            System.arraycopy(args, 0, all, 1, args.length);
            int exit = network.noderr.agent.NoderrAgentTestAccess.commandLine().execute(all);
            return new Run(exit, out.toString(java.nio.charset.StandardCharsets.UTF_8),
                    err.toString(java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
