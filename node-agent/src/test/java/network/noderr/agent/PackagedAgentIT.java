package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar starts as {@code java -jar} (no broken signatures, every command present, config errors exit 2). */
class PackagedAgentIT {

    @TempDir
    Path dir;

    @Test
    void theJarRunsItsCommands() throws Exception {
        var version = run("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("noderr-agent ");
        var help = run("--help");
        assertThat(help.out()).contains("run").contains("register").contains("status").contains("rollback")
                .contains("simulate");
        Files.writeString(dir.resolve("agent.properties"), "tier=BRONZE\n");
        var bad = run("run", "--config", dir.resolve("agent.properties").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.out()).contains("tier: must be ALL, ORACLE or GUARDIAN");

        // status on a machine whose Docker does not answer says where it looked, not only the socket error.
        Files.writeString(dir.resolve("node.properties"), String.join("\n",
                "control-plane-url=http://127.0.0.1:9", "node-id=node-0123456789abcdef", "tier=ORACLE",
                "key-type=SOFTWARE", "key-path=" + dir.resolve("node-key.pem"), "state-dir=" + dir.resolve("state"),
                "docker-host=unix://" + dir.resolve("no-docker.sock"), ""));
        var status = run("status", "--config", dir.resolve("node.properties").toString());
        assertThat(status.code()).as(status.out()).isZero();
        assertThat(status.out()).contains("node:         node-0123456789abcdef (ORACLE)")
                .contains("Docker at unix://" + dir.resolve("no-docker.sock") + " did not answer");
    }

    private record Result(int code, String out) {}

    private static Result run(String... args) throws Exception {
        var command = new java.util.ArrayList<String>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target/noderr-agent.jar").toAbsolutePath().toString()));
        command.addAll(java.util.List.of(args));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out);
    }
}
