package network.noderr.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import java.util.concurrent.TimeUnit;

/**
 * The real control plane for the agent's end-to-end tests: the jar the control plane's build packaged
 * ({@code ../target/noderr-control-plane-*.jar}), started as its own process on its embedded defaults (PostgreSQL
 * and a local chain in a temporary directory), driven through its management API with a bootstrap API token.
 */
public final class TestControlPlane implements AutoCloseable {

    /**
     * Publishes whatever version a test needs: the agent's tests share this control plane, so a higher version another
     * test published must not refuse it as a downgrade.
     */
    public static final String PUBLISH_ANY_VERSION = "/api/v1/admin/releases?allowDowngrade=true";

    public static final String ADMIN_TOKEN = "ndr_agent_test_admin_token_0123456789abcdefghij";
    /** Alertmanager's shared secret for the webhook. */
    public static final String WEBHOOK_SECRET = "agent-test-alert-webhook-secret-0123456789";
    /** The bootstrap admin's dashboard password. */
    public static final String ADMIN_PASSWORD = "agent-test-admin-password";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path dir;
    private final URI base;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestControlPlane(Process process, Path dir, URI base) {
        this.process = process;
        this.dir = dir;
        this.base = base;
    }

    private static TestControlPlane shared;

    /** One control plane for every test class of the JVM that needs one; stopped when the JVM exits. */
    public static synchronized TestControlPlane shared() throws Exception {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    shared.close();
                } catch (Exception e) {
                    // exiting anyway
                }
            }));
        }
        return shared;
    }

    public static TestControlPlane start() throws Exception {
        return start(java.util.Map.of());
    }

    /**
     * A control plane of its own, with extra environment (configuration keys) on top of the defaults. Its ports are
     * picked free just before the start, so another process can take one in between (an outgoing connection's
     * ephemeral port, on a busy machine): a start that fails on a port in use is tried again on new ports.
     */
    public static TestControlPlane start(java.util.Map<String, String> extraEnv) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(extraEnv);
            } catch (PortTaken e) {
                if (attempt == 3) {
                    throw e;
                }
                System.err.println("The control plane's port was taken before it started; again on new ports: "
                        + e.getMessage());
            }
        }
    }

    /** The start failed only because a port picked for it was in use by then. */
    private static final class PortTaken extends IllegalStateException {
        PortTaken(String message) {
            super(message);
        }
    }

    private static TestControlPlane startOnce(java.util.Map<String, String> extraEnv) throws Exception {
        Path jar;
        try (var files = Files.list(Path.of("../target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("noderr-control-plane-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("build the control plane first (./test does)"))
                    .toAbsolutePath();
        }
        var dir = Files.createTempDirectory("noderr-agent-cp");
        int port = freePort();
        // Every test applies from 127.0.0.1: the public form's limit (5 an hour per address) would refuse the sixth.
        // The simulator onboards one application (one operator) per tier, and an automatic rollback needs nodes of
        // min-operators operators (2 by default): with 1, simulated nodes roll a release back, as ./run's demo does.
        // A real agent reports its host's CPU and memory, and this machine's own load (builds, other tests) reached
        // 100 %: the node turned unhealthy and paused the rollout its test drives. No CPU or memory share makes a
        // node unhealthy or degraded here (no percentage reaches 101); errors still do, as the simulator's unhealthy
        // nodes and a stopped node container report them.
        var builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "--noderr.rate-limits.limits.applications.capacity=10000",
                "--noderr.rollouts.thresholds.min-operators=1", "--noderr.health.unhealthy-percent=101",
                "--noderr.health.degraded-percent=101")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("control-plane.log").toFile());
        var env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("NODERR_") || k.startsWith("SPRING_"));
        env.put("PORT", Integer.toString(port));
        env.put("NODERR_DATA_DIR", dir.resolve("data").toString());
        env.put("NODERR_ADMIN_API_TOKEN", ADMIN_TOKEN);
        env.put("NODERR_ALERTS_WEBHOOK_SECRET", WEBHOOK_SECRET);
        env.put("NODERR_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("NODERR_BEACON_ANVIL", Path.of("../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
                .toAbsolutePath().normalize().toString());
        env.put("NODERR_BEACON_EMBEDDED_PORT", Integer.toString(freePort()));
        env.putAll(extraEnv);
        var cp = new TestControlPlane(builder.start(), dir, URI.create("http://127.0.0.1:" + port));
        try {
            cp.awaitUp();
        } catch (IllegalStateException e) {
            if (!cp.process.isAlive() && Files.readString(dir.resolve("control-plane.log")).contains("already in use")) {
                throw new PortTaken(e.getMessage().lines().filter(l -> l.contains("already in use")).findFirst()
                        .orElse("port in use"));
            }
            throw e;
        }
        return cp;
    }

    /**
     * Registers a node of {@code tier} with {@code installToken} and a fresh P-256 key, written as a PKCS#8 PEM file to
     * {@code keyFile} (as the installers do); returns its node id.
     */
    public String registerNode(String installToken, String tier, Path keyFile, String hostname) throws Exception {
        var generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        var keys = generator.generateKeyPair();
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return network.noderr.agent.api.ControlPlane.register(base, installToken,
                java.util.Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()), hostname,
                java.util.Map.of("cpuCores", 32, "memoryGb", 128, "diskGb", 4000, "networkMbps", 10000, "gpu", true),
                tier).get("nodeId").asText();
    }

    /** An approved application's install token for {@code tier}. */
    public String installToken(String tier, String operator) throws IOException, InterruptedException {
        return installTokens(tier, operator, 1).getFirst();
    }

    /**
     * {@code count} install tokens of one approved application for {@code tier} (an operator with several machines):
     * public applications are rate-limited per address, install tokens of an approved one are not.
     */
    public java.util.List<String> installTokens(String tier, String operator, int count)
            throws IOException, InterruptedException {
        var application = post("/api/v1/applications", java.util.Map.of("operatorName", operator,
                "email", operator.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z]", "") + "@example.org",
                "walletAddress", "0x" + "cd".repeat(20), "requestedTier", tier,
                "hardware", java.util.Map.of("cpuCores", 32, "memoryGb", 128, "diskGb", 4000, "networkMbps", 10000,
                        "gpu", true)), 201);
        var id = application.get("applicationId").asText();
        var tokens = new java.util.ArrayList<String>();
        tokens.add(post("/api/v1/admin/applications/" + id + "/approve", java.util.Map.of(), 200).get("installToken")
                .asText());
        if (count > 1) {
            post("/api/v1/admin/applications/" + id + "/install-tokens", java.util.Map.of("count", count - 1), 200)
                    .get("tokens").forEach(t -> tokens.add(t.asText()));
        }
        return tokens;
    }

    /**
     * Publishes {@code image} for {@code tier} on-chain, waits for its rollout and activates every cohort. The
     * control plane has one user here, so a tier with the two-person rule on (GUARDIAN by default) cannot be
     * published without turning its rule off first ({@link #twoPersonRule}).
     */
    public String publishAndActivateAllCohorts(String tier, TestDocker.Image image) throws Exception {
        var sent = post(PUBLISH_ANY_VERSION, java.util.Map.of("tier", tier, "versionString", image.version(),
                "imageRef", image.tagged(), "imageDigest", image.digest(), "configHash", "0x" + "0".repeat(63) + "1"),
                202);
        if (sent.has("kind")) {
            throw new IllegalStateException(tier + " has the two-person rule on, so the publish waits for a second "
                    + "approver: call twoPersonRule(\"" + tier + "\", false) in the test's setup");
        }
        var id = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(250))
                .until(() -> {
                    var list = get("/api/v1/admin/rollouts?tier=" + tier + "&status=active");
                    return list.size() > 0 && list.get(0).get("versionString").asText().equals(image.version())
                            ? list.get(0).get("id").asText() : null;
                }, java.util.Objects::nonNull);
        for (int i = 0; i < 4; i++) {
            post("/api/v1/admin/rollouts/" + id + "/promote", java.util.Map.of(), 200);
        }
        return id;
    }

    /** Turns the tier's two-person rule on or off through the management API (as the bootstrap admin). */
    public void twoPersonRule(String tier, boolean enabled) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(base.resolve("/api/v1/admin/two-person-rules/" + tier))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(java.util.Map.of("enabled",
                        enabled)))), 200);
    }

    public void abortOpenRollouts(String tier) throws IOException, InterruptedException {
        for (var r : get("/api/v1/admin/rollouts?tier=" + tier + "&status=active")) {
            post("/api/v1/admin/rollouts/" + r.get("id").asText() + "/abort", java.util.Map.of(), 200);
        }
    }

    public URI base() {
        return base;
    }

    /**
     * A connection to this control plane's embedded PostgreSQL as its superuser (the port from its start-up log, the
     * password from its data directory), for tests that change the database under it, as restoring a backup would.
     */
    public java.sql.Connection database() throws IOException, java.sql.SQLException {
        var listening = java.util.regex.Pattern.compile("Embedded PostgreSQL listening on 127\\.0\\.0\\.1:(\\d+)");
        var port = Files.readAllLines(dir.resolve("control-plane.log")).stream()
                .map(listening::matcher).filter(java.util.regex.Matcher::find).map(m -> m.group(1)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no embedded PostgreSQL in the control plane's log"));
        var password = Files.readString(dir.resolve("data/postgres/noderr-superuser.password")).strip();
        return java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres",
                password);
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), 200);
    }

    public JsonNode post(String path, Object body, int expected) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))), expected);
    }

    /**
     * How many version queries ({@code GET /api/v1/version/{nodeId}}) this control plane has answered: its own
     * counter ({@code noderr_version_query_seconds_count} on {@code /actuator/prometheus}), counted before the answer
     * is sent.
     */
    public long versionQueries() throws IOException, InterruptedException {
        var response = http.send(HttpRequest.newBuilder(base.resolve("/actuator/prometheus"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(response.statusCode() + " " + response.body());
        }
        return response.body().lines()
                .filter(l -> l.startsWith("noderr_version_query_seconds_count"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private JsonNode send(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
        var response = http.send(request.header("Authorization", "Bearer " + ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException(response.statusCode() + " " + response.body());
        }
        return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    private void awaitUp() throws Exception {
        var deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the control plane exited:\n" + tail());
            }
            try {
                var r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/health-check")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the control plane did not start within 120 s:\n" + tail());
            }
            Thread.sleep(250);
        }
    }

    private String tail() throws IOException {
        var lines = Files.readAllLines(dir.resolve("control-plane.log"));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }

}
