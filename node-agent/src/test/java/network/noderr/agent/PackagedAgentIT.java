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

    /** A configuration the user may not read says so, with the command to use (the file is the agent user's). */
    @Test
    void aConfigTheUserMayNotReadIsSaidSo() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "runs the jar as another user");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        var config = dir.resolve("agent.properties");
        Files.writeString(config, "tier=ORACLE\n");
        Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        var status = run(java.util.List.of("runuser", "-u", "nobody", "--"), "status", "--config", config.toString());
        assertThat(status.code()).isEqualTo(2);
        assertThat(status.out().strip()).isEqualTo("cannot read " + config + ": permission denied (it is the agent's "
                + "own, readable by its user and root: run the command as that user, e.g. sudo -u noderr noderr-agent "
                + "…, or with sudo)");
    }

    /**
     * The daemon's log lines: under systemd's journal ({@code JOURNAL_STREAM}) they start with their syslog priority,
     * so that {@code journalctl -p warning} finds warnings; elsewhere with a time stamp.
     */
    @Test
    void logLinesCarryTheirPriorityUnderTheJournalAndATimeStampElsewhere() throws Exception {
        Files.writeString(dir.resolve("node.properties"), String.join("\n",
                "control-plane-url=http://127.0.0.1:9", "node-id=node-0123456789abcdef", "tier=ORACLE",
                "key-type=SOFTWARE", "key-path=" + dir.resolve("node-key.pem"), "state-dir=" + dir.resolve("state"),
                "docker-host=unix://" + dir.resolve("no-docker.sock"), "metrics-port=0", "jitter=PT10M", ""));
        var generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        Files.writeString(dir.resolve("node-key.pem"), "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64
                .getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        var config = dir.resolve("node.properties").toString();
        // The first health report (after 5 s) finds no Docker: a warning.
        assertThat(firstLine(java.util.Map.of("JOURNAL_STREAM", "8:4242"), "Health sample not taken", "run",
                "--config", config))
                .startsWith("<4>WARN network.noderr.agent.daemon.Daemon - Health sample not taken: Docker at unix://");
        assertThat(firstLine(java.util.Map.of(), "Health sample not taken", "run", "--config", config))
                .matches("20\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) "
                        + "\\[noderr-agent-health] WARN .*");
    }

    /** Starts the jar with {@code env} and returns its first output line that contains {@code marker}; stops it. */
    private static String firstLine(java.util.Map<String, String> env, String marker, String... args)
            throws Exception {
        var command = new java.util.ArrayList<String>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target/noderr-agent.jar").toAbsolutePath().toString()));
        command.addAll(java.util.List.of(args));
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JOURNAL_STREAM");
        builder.environment().putAll(env);
        var process = builder.start();
        var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
        try {
            var found = java.util.concurrent.CompletableFuture.supplyAsync(() -> lines.lines()
                    .filter(l -> l.contains(marker)).findFirst().orElse("(ended without it)"));
            return found.get(60, TimeUnit.SECONDS);
        } finally {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // ends the reader's stream too
        }
    }

    private record Result(int code, String out) {}

    private static Result run(String... args) throws Exception {
        return run(java.util.List.of(), args);
    }

    private static Result run(java.util.List<String> prefix, String... args) throws Exception {
        var command = new java.util.ArrayList<String>(prefix);
        command.addAll(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target/noderr-agent.jar").toAbsolutePath().toString()));
        command.addAll(java.util.List.of(args));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out);
    }
}
