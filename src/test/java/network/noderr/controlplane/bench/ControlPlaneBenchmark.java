package network.noderr.controlplane.bench;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.database.EmbeddedDatabaseProperties;
import network.noderr.controlplane.database.EmbeddedPostgresServer;
import org.postgresql.PGConnection;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Load benchmark of the node API (not a test; run with {@code ./bench}). Starts a real PostgreSQL and the packaged
 * control plane as its own process, registers N nodes through the real onboarding API, then measures:
 *
 * <ol>
 *   <li>health ingest: every node sends buffered batches of reports over HTTP for a fixed time → reports/s;
 *   <li>raw COPY of the same rows into the same table from one connection → rows/s, and the ratio;
 *   <li>version query at a fixed request rate (open loop; latency from the intended send time) → p50/p99.
 * </ol>
 *
 * Arguments: {@code nodes=200 ingestSeconds=20 batch=50 rate=5000 versionSeconds=15}. Loopback only.
 */
public final class ControlPlaneBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The bootstrap admin's API token and password in the control plane the benchmarks start. */
    static final String ADMIN_TOKEN = "ndr_benchmark_admin_token_0123456789abcdefghijkl";
    static final String ADMIN_PASSWORD = "benchmark-admin-password";

    private record Node(String id, String token) {}

    public static void main(String[] args) throws Exception {
        var options = new java.util.HashMap<String, String>(Map.of(
                "nodes", "200", "ingestSeconds", "20", "batch", "50", "rate", "5000", "versionSeconds", "15"));
        for (var arg : args) {
            var kv = arg.split("=", 2);
            options.put(kv[0], kv[1]);
        }
        int nodeCount = Integer.parseInt(options.get("nodes"));
        int ingestSeconds = Integer.parseInt(options.get("ingestSeconds"));
        int batch = Integer.parseInt(options.get("batch"));
        int rate = Integer.parseInt(options.get("rate"));
        int versionSeconds = Integer.parseInt(options.get("versionSeconds"));
        int warmupSeconds = Integer.parseInt(options.getOrDefault("warmupSeconds", "30"));

        var work = Files.createTempDirectory("noderr-bench");
        try (var db = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(work.resolve("pg"), 0, true))) {
            int port;
            try (var socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            var app = startControlPlane(db, port, work);
            try {
                var base = "http://127.0.0.1:" + port;
                var http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
                System.out.printf("machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
                        System.getProperty("os.name"), System.getProperty("java.version"));
                var nodes = register(http, base, nodeCount);
                System.out.printf("registered and authenticated %d nodes%n", nodes.size());

                var rows = new ConcurrentLinkedQueue<String>();
                double ingestRate = ingest(http, base, nodes, batch, Duration.ofSeconds(ingestSeconds), rows);
                // As many rows as the ingest run stored (up to 2 million), in the same shape, into the same table.
                var once = List.copyOf(rows);
                long target = Math.min(2_000_000, (long) (ingestRate * ingestSeconds));
                var copyRows = new ArrayList<String>();
                while (copyRows.size() < target) {
                    copyRows.addAll(once);
                }
                double copyRate = rawCopy(db, copyRows);
                System.out.printf("health ingest over HTTP: %.0f reports/s (batches of %d, %d nodes)%n", ingestRate,
                        batch, nodes.size());
                System.out.printf("raw COPY of the same rows:  %.0f rows/s%n", copyRate);
                System.out.printf("ratio ingest / raw COPY:     %.2f (target >= 0.40)%n", ingestRate / copyRate);

                for (var node : nodes) { // first contact: caches
                    http.send(get(base, node), HttpResponse.BodyHandlers.discarding());
                }
                // The version query is measured at steady state: the millions of rows just written are vacuumed,
                // analysed and checkpointed first, so autovacuum and checkpoint writes do not run during it.
                settle(db);
                System.out.print("warm-up (not counted): ");
                versionQuery(base, nodes, rate, Duration.ofSeconds(warmupSeconds));
                versionQuery(base, nodes, rate, Duration.ofSeconds(versionSeconds));
                if (Boolean.parseBoolean(options.getOrDefault("wrk", "false"))) {
                    wrk(base, nodes.getFirst(), versionSeconds);
                }
            } finally {
                app.destroy();
                app.waitFor(60, TimeUnit.SECONDS);
            }
        } finally {
            org.springframework.util.FileSystemUtils.deleteRecursively(work);
        }
    }

    /**
     * Starts the packaged control plane (target/noderr-control-plane-*.jar) as its own process on the embedded server {@code db},
     * with the bootstrap admin {@code admin} / {@link #ADMIN_PASSWORD} and its own local chain, and waits until it
     * answers; its log goes to {@code work/control-plane.log}.
     */
    static Process startControlPlane(EmbeddedPostgresServer db, int port, Path work) throws Exception {
        Path jar;
        try (var files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("noderr-control-plane-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("build the jar first (./bench does)"))
                    .toAbsolutePath();
        }
        var builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(),
                "--noderr.rate-limits.limits.applications.capacity=100000",
                "--noderr.rate-limits.limits.applications.period=PT1M",
                "--noderr.rate-limits.limits.node-auth.capacity=100000",
                "--noderr.rate-limits.limits.node-auth.period=PT1M")
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("control-plane.log").toFile());
        var env = builder.environment();
        env.put("PORT", String.valueOf(port));
        env.put("NODERR_DB_URL", db.jdbcUrl().replace("user=postgres", "").replaceAll("[?&]$", ""));
        env.put("NODERR_DB_USER", "postgres");
        env.put("NODERR_DB_PASSWORD", db.password());
        env.put("NODERR_ADMIN_API_TOKEN", ADMIN_TOKEN);
        env.put("NODERR_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("LOGGING_LEVEL_ROOT", "WARN");
        // Its own local chain, under the benchmark's work directory, on a free port.
        env.put("NODERR_DATA_DIR", work.resolve("data").toString());
        env.put("NODERR_BEACON_ANVIL", Path.of("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
                .toAbsolutePath().toString());
        try (var socket = new java.net.ServerSocket(0)) {
            env.put("NODERR_BEACON_EMBEDDED_PORT", String.valueOf(socket.getLocalPort()));
        }
        // -Dnoderr.bench.jvm="-XX:+UseZGC" passes JVM flags to the control plane; -Dnoderr.bench.jfr=/tmp/cp.jfr
        // records a JFR profile of it for the whole run.
        var flags = System.getProperty("noderr.bench.jvm", "");
        var profile = System.getProperty("noderr.bench.jfr");
        if (profile != null) {
            flags += " -XX:StartFlightRecording=filename=" + profile + ",settings=profile";
        }
        if (!flags.isBlank()) {
            env.put("JAVA_TOOL_OPTIONS", flags.strip());
        }
        var process = builder.start();
        var deadline = Instant.now().plusSeconds(120);
        var http = HttpClient.newHttpClient();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("control plane exited; see " + work.resolve("control-plane.log"));
            }
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/health-check")).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return process;
                }
            } catch (java.io.IOException e) {
                // not up yet
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IllegalStateException("control plane did not start");
    }

    private static JsonNode post(HttpClient http, String url, Object body, String bearer) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body)));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(url + " -> " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static List<Node> register(HttpClient http, String base, int count) throws Exception {
        var nodes = new ConcurrentLinkedQueue<Node>();
        try (var pool = Executors.newFixedThreadPool(16)) {
            var futures = new ArrayList<java.util.concurrent.Future<?>>();
            for (int i = 0; i < count; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    var form = Map.of("operatorName", "Bench " + n, "email", "bench" + n + "@example.org",
                            "walletAddress", "0x" + "ab".repeat(20), "requestedTier", "ALL", "hardware",
                            Map.of("cpuCores", 4, "memoryGb", 8, "diskGb", 100, "networkMbps", 100, "gpu", false));
                    var app = post(http, base + "/api/v1/applications", form, null).path("applicationId").asString();
                    var token = post(http, base + "/api/v1/admin/applications/" + app + "/approve", "", ADMIN_TOKEN)
                            .path("installToken").asString();
                    var key = TestNodeKey.generate();
                    var nodeId = post(http, base + "/api/v1/auth/register", Map.of("installToken", token,
                            "publicKey", key.publicKeyBase64(), "keyAttestation", Map.of("type", "SOFTWARE"),
                            "hostname", "bench-" + n, "hardware", Map.of("cpuCores", 4, "memoryGb", 8, "diskGb", 100,
                                    "networkMbps", 100, "gpu", false)), null).path("nodeId").asString();
                    var nonce = post(http, base + "/api/v1/auth/challenge", Map.of("nodeId", nodeId), null)
                            .path("nonce").asString();
                    var access = post(http, base + "/api/v1/auth/verify", Map.of("nodeId", nodeId, "nonce", nonce,
                            "signature", key.sign(nonce)), null).path("accessToken").asString();
                    nodes.add(new Node(nodeId, access));
                    return null;
                }));
            }
            for (var f : futures) {
                f.get();
            }
        }
        return List.copyOf(nodes);
    }

    private static double ingest(HttpClient http, String base, List<Node> nodes, int batch, Duration duration,
            ConcurrentLinkedQueue<String> rows) throws Exception {
        var reports = new AtomicLong();
        var end = Instant.now().plus(duration);
        var started = System.nanoTime();
        var futures = new ArrayList<java.util.concurrent.Future<?>>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (var node : nodes) {
                futures.add(pool.submit(() -> {
                    // The batch body is built once per node, so the generator spends its CPU on sending.
                    var at = Instant.now().minusSeconds(3600);
                    var json = new StringBuilder("[");
                    for (int i = 0; i < batch; i++) {
                        at = at.plusMillis(10);
                        json.append(i == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT,
                                "{\"nodeId\":\"%s\",\"version\":\"1.0.0\",\"metrics\":{\"uptime\":%d,\"cpu\":%.1f,"
                                        + "\"memory\":%.1f,\"disk\":40,\"errors\":0},\"timestamp\":\"%s\"}",
                                node.id(), i, 20.0 + i % 30, 40.0 + i % 20, at));
                        rows.add(node.id() + ",\"1.0.0\"," + i + "," + (20 + i % 30) + "," + (40 + i % 20) + ",40,0,"
                                + at);
                    }
                    var payload = json.append(']').toString();
                    while (Instant.now().isBefore(end)) {
                        post(http, base + "/api/v1/health", payload, node.token());
                        reports.addAndGet(batch);
                    }
                    return null;
                }));
            }
        }
        for (var f : futures) {
            f.get(); // a failed node fails the benchmark instead of quietly lowering the rate
        }
        return reports.get() / ((System.nanoTime() - started) / 1e9);
    }

    private static void settle(EmbeddedPostgresServer db) throws Exception {
        long start = System.nanoTime();
        try (var c = db.dataSource().getConnection(); var st = c.createStatement()) {
            st.execute("VACUUM ANALYZE");
            st.execute("CHECKPOINT");
        }
        System.out.printf("database settled (VACUUM ANALYZE, CHECKPOINT) in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    private static double rawCopy(EmbeddedPostgresServer db, List<String> rows) throws Exception {
        var csv = String.join("\n", rows) + "\n";
        try (var c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("""
                    COPY health_reports (node_id, version, uptime, cpu_usage, memory_usage, disk_usage, error_count,
                        reported_at) FROM STDIN WITH (FORMAT csv)""", new StringReader(csv));
            c.commit();
            return rows.size() / ((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * Open loop at a fixed rate over {@code CONNECTIONS} keep-alive sockets with pre-built requests (a light client:
     * the JVM HttpClient costs more CPU than the server on a shared 2-core machine). Each connection sends its share
     * of the schedule; latency runs from the intended send time, so a slow server shows up as queueing.
     */
    /**
     * The version query at a fixed rate, driven by {@code scripts/bench/openloop.c} (built by ./bench): one C thread
     * on epoll, latency measured from each request's intended send time, so queueing in the server counts.
     */
    private static void versionQuery(String base, List<Node> nodes, int rate, Duration duration) throws Exception {
        final int connections = 32;
        var uri = URI.create(base);
        var requests = Files.createTempFile("version-requests", ".bin");
        try (var out = Files.newOutputStream(requests)) {
            for (var node : nodes) {
                out.write(("GET /api/v1/version/" + node.id() + "?currentVersion=1.0.0 HTTP/1.1\r\nHost: "
                        + uri.getHost() + "\r\nAuthorization: Bearer " + node.token() + "\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.write(0);
            }
        }
        var client = System.getProperty("noderr.bench.openloop", "target/openloop");
        var process = new ProcessBuilder(client, uri.getHost(), Integer.toString(uri.getPort()),
                Integer.toString(rate), Long.toString(duration.toSeconds()), Integer.toString(connections),
                requests.toString())
                .redirectErrorStream(true)
                .start();
        var output = new String(process.getInputStream().readAllBytes()).strip();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("openloop failed: " + output);
        }
        Files.delete(requests);
        System.out.printf("version query at %d req/s offered, %d connections, %d s: %s (target p99 <= 5 ms at "
                + "5000 req/s)%n", rate, connections, duration.toSeconds(), output);
    }

    /**
     * The version query driven by wrk (a C load generator, far lighter than the JVM client), closed loop: server
     * throughput and latency at 8 and 64 open connections. One node's token, as a node polling itself.
     */
    private static void wrk(String base, Node node, int seconds) throws Exception {
        for (int connections : new int[] {8, 64}) {
            var process = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency",
                            "-H", "Authorization: Bearer " + node.token(),
                            base + "/api/v1/version/" + node.id() + "?currentVersion=1.0.0")
                    .redirectErrorStream(true)
                    .start();
            var out = new String(process.getInputStream().readAllBytes());
            process.waitFor();
            System.out.printf("wrk, %d connections:%n%s%n", connections, out.lines()
                    .filter(l -> l.contains("Requests/sec") || l.matches("\\s+(50|90|99)%.*") || l.contains("Non-2xx"))
                    .map(String::strip)
                    .collect(java.util.stream.Collectors.joining("\n")));
        }
    }

    private static HttpRequest get(String base, Node node) {
        return HttpRequest.newBuilder(URI.create(base + "/api/v1/version/" + node.id() + "?currentVersion=1.0.0"))
                .header("Authorization", "Bearer " + node.token())
                .build();
    }
}
