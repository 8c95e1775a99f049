package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent as operators run it: {@code java -jar noderr-agent.jar register} with the install token on
 * stdin, then {@code run} as a process, which is killed with SIGKILL in the middle of an update (the new container
 * started, its health window running, the old one stopped but kept). A new {@code run} resumes from the state file
 * and converges: the new version healthy, the old container gone, the update reported. And the health report the
 * daemon sends right after an update.
 */
class AgentCrashIT extends NodeTestSupport {

    @TempDir
    static Path dir;

    @Test
    void aKilledAgentResumesItsUpdateAndConverges() throws Exception {
        var token = controlPlane.installToken("ORACLE", "Crash Operator");
        var config = dir.resolve("agent.properties");
        var register = run(token + "\n", "register", "--url", controlPlane.base().toString(), "--config",
                config.toString(), "--state-dir", dir.resolve("state").toString());
        assertThat(register.code()).as(register.out()).isZero();
        Files.writeString(config, String.join("\n", "docker-host=" + TestDocker.dockerHost(), "container=crash-node",
                "check-interval=PT5S", "jitter=PT0.1S", "health-window=PT15S", "rollback-timeout=PT60S",
                "metrics-port=0") + "\n", StandardOpenOption.APPEND);

        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        startNode("crash-node", v1, "NODE_OPERATOR=crash");
        controlPlane.publishAndActivateAllCohorts("ORACLE", v1);
        controlPlane.abortOpenRollouts("ORACLE");
        controlPlane.publishAndActivateAllCohorts("ORACLE", v2);

        var state = dir.resolve("state/update.json");
        var first = daemon(config, "first");
        try {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Files.exists(state) && Files.readString(state).contains("\"HEALTH_WINDOW\""));
        } finally {
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(first.exitValue()).isEqualTo(137);
        assertThat(Files.readString(state)).contains("\"HEALTH_WINDOW\"");
        assertThat(containers.inspect("crash-node-previous")).as("the old container is kept until commit").isPresent();

        var second = daemon(config, "second");
        try {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                    Files.readString(state).contains("\"IDLE\"")
                            && containers.inspect("crash-node-previous").isEmpty());
            var node = containers.inspect("crash-node").orElseThrow();
            assertThat(node.getConfig().getLabels()).containsEntry("network.noderr.version", "2.0.0");
            assertThat(node.getState().getRunning()).isTrue();
            assertThat(node.getConfig().getEnv()).contains("NODE_OPERATOR=crash");
            var nodeId = register.out().replaceAll("(?s).*Registered as (\\S+) .*", "$1");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> controlPlane.get(
                    "/api/v1/admin/nodes?q=" + nodeId).get("items").get(0).path("currentVersion").asText()
                    .equals("2.0.0"));
            var status = run("", "status", "--config", config.toString());
            assertThat(status.out()).containsPattern("running: +2\\.0\\.0").containsPattern("previous: +1\\.0\\.0")
                    .containsPattern("update: +IDLE");
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(dir.resolve("run-first.log"))).contains("Update to 2.0.0");
        assertThat(Files.readString(dir.resolve("run-second.log"))).contains("Resuming the update to 2.0.0");
    }

    /**
     * The daemon as the unit runs it reports health once per check interval, and once more right after each update
     * (so that the control plane judges the node in its rollout by the new container, not by the one before): with
     * a 10-minute interval, a report naming the new version within a minute of a pushed update can only be that one.
     */
    @Test
    void aHealthReportFollowsAnUpdateAtOnce() throws Exception {
        controlPlane.twoPersonRule("GUARDIAN", false);
        var token = controlPlane.installToken("GUARDIAN", "After Update Operator");
        var home = Files.createDirectories(dir.resolve("after-update"));
        var config = home.resolve("agent.properties");
        var register = run(token + "\n", "register", "--url", controlPlane.base().toString(), "--config",
                config.toString(), "--state-dir", home.resolve("state").toString());
        assertThat(register.code()).as(register.out()).isZero();
        var nodeId = register.out().replaceAll("(?s).*Registered as (\\S+) .*", "$1");
        Files.writeString(config, String.join("\n", "docker-host=" + TestDocker.dockerHost(),
                "container=after-update-node", "check-interval=PT10M", "jitter=PT0.1S", "health-window=PT5S",
                "rollback-timeout=PT60S", "metrics-port=0") + "\n", StandardOpenOption.APPEND);
        startNode("after-update-node", TestDocker.image("v1"), "NODE_OPERATOR=after-update");
        controlPlane.abortOpenRollouts("GUARDIAN");
        controlPlane.publishAndActivateAllCohorts("GUARDIAN", TestDocker.image("v1"));
        controlPlane.abortOpenRollouts("GUARDIAN");

        var daemon = daemon(config, "after-update");
        try {
            // The first periodic report (5 s after the start), of 1.0.0.
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> reportedVersions(nodeId).contains("1.0.0"));
            controlPlane.publishAndActivateAllCohorts("GUARDIAN", TestDocker.image("v2")); // pushes CHECK_NOW
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> reportedVersions(nodeId).contains("2.0.0"));
            assertThat(containers.inspect("after-update-node").orElseThrow().getConfig().getLabels())
                    .containsEntry("network.noderr.version", "2.0.0");
            assertThat(reportedVersions(nodeId)).as("one periodic report, one after the update").hasSize(2);
        } finally {
            daemon.destroy();
            daemon.waitFor(30, TimeUnit.SECONDS);
            controlPlane.abortOpenRollouts("GUARDIAN");
            controlPlane.twoPersonRule("GUARDIAN", true);
        }
    }

    /** The versions of the node's stored health reports, oldest first. */
    private static List<String> reportedVersions(String nodeId) throws Exception {
        var versions = new ArrayList<String>();
        controlPlane.get("/api/v1/admin/nodes/" + nodeId + "/health?limit=50")
                .forEach(r -> versions.addFirst(r.path("version").asText()));
        return versions;
    }

    private Process daemon(Path config, String name) throws IOException {
        return new ProcessBuilder(command("run", "--config", config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("run-" + name + ".log").toFile())
                .start();
    }

    private record Result(int code, String out) {}

    private static Result run(String stdin, String... args) throws Exception {
        var process = new ProcessBuilder(command(args)).redirectErrorStream(true).start();
        try (var in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        var out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out);
    }

    private static List<String> command(String... args) {
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target/noderr-agent.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return command;
    }
}
