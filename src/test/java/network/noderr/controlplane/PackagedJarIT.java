package network.noderr.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged control plane as a person runs it: {@code java -jar} with no database configured, so it starts its
 * embedded PostgreSQL in a data directory. Checks the first start, the production profile's JSON logs, and that a
 * restart on the same directory keeps users (the generated admin password still works and is not printed again).
 */
class PackagedJarIT {

    private static final Pattern PASSWORD = Pattern.compile("user 'admin' password '([^']+)'");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path work;

    Process process;

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private int chainPort;

    @Test
    void firstStartCreatesAdminAndRestartKeepsIt() throws Exception {
        var port = freePort();
        chainPort = freePort();

        var firstLog = start(port, "first.log");
        var log = Files.readString(firstLog);
        var matcher = PASSWORD.matcher(log);
        assertThat(matcher.find()).as("generated admin password in the log").isTrue();
        var password = matcher.group(1);
        assertThat(log.lines().filter(l -> l.startsWith("{")).findFirst())
                .as("production profile logs JSON lines")
                .hasValueSatisfying(line -> assertThat(line).contains("\"@timestamp\"").contains("\"log\":{\"level\":"));
        assertThat(status(port, "/actuator/prometheus")).isEqualTo(401);
        assertThat(new DashboardClient(port).login("admin", password).statusCode()).isEqualTo(200);
        stopGracefully();

        var secondLog = start(port, "second.log");
        assertThat(Files.readString(secondLog))
                .as("no new admin and no password on a restart")
                .doesNotContainPattern(PASSWORD)
                .doesNotContain(password);
        assertThat(new DashboardClient(port).login("admin", password).statusCode())
                .as("the same password after a restart")
                .isEqualTo(200);
        assertThat(Files.exists(work.resolve("data/postgres/PG_VERSION"))).isTrue();
        var contract = BEACON.matcher(log);
        assertThat(contract.find()).as("the local chain's VersionBeacon in the log").isTrue();
        assertThat(Files.readString(secondLog))
                .as("the same VersionBeacon after a restart (not deployed again)")
                .contains("VersionBeacon " + contract.group(1));
    }

    private static final java.util.regex.Pattern BEACON =
            java.util.regex.Pattern.compile("VersionBeacon (0x[0-9a-fA-F]{40}) \\(deployed in block");

    private Path start(int port, String logName) throws Exception {
        var jar = packagedJar();
        var logFile = work.resolve(logName);
        var builder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()))
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        var env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("NODERR_") || k.startsWith("SPRING_"));
        env.put("PORT", String.valueOf(port));
        env.put("NODERR_BEACON_ANVIL", network.noderr.controlplane.TestChain.ANVIL.toAbsolutePath().toString());
        env.put("NODERR_BEACON_EMBEDDED_PORT", String.valueOf(chainPort));
        env.put("SPRING_PROFILES_ACTIVE", "production");
        process = builder.start();
        try {
            Awaitility.await("control plane start (" + logName + ")")
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(250))
                    .failFast("the control plane process exited", () -> !process.isAlive())
                    .until(() -> status(port, "/api/v1/health-check") == 200
                            && Files.readString(logFile).contains("is up"));
        } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\nLast lines of " + logName + ":\n" + tail(logFile), e);
        }
        return logFile;
    }

    private void stopGracefully() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("graceful stop").isTrue();
    }

    private static Path packagedJar() throws IOException {
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("noderr-control-plane-.*\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no packaged jar in target/: run 'mvn verify'"))
                    .toAbsolutePath();
        }
    }

    private static int status(int port, String path) {
        try {
            return HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path file) {
        try {
            var lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
