package network.noderr.controlplane.bench;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
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
    private static final String ADMIN_TOKEN = "ndr_benchmark_admin_token_0123456789abcdefghijkl";

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

        var work = Files.createTempDirectory("noderr-bench");
        try (var db = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(work.resolve("pg"), 0, true))) {
            int port;
            try (var socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            var app = startControlPlane(db.jdbcUrl(), port, work);
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
                double copyRate = rawCopy(db.jdbcUrl(), copyRows);
                System.out.printf("health ingest over HTTP: %.0f reports/s (batches of %d, %d nodes)%n", ingestRate,
                        batch, nodes.size());
                System.out.printf("raw COPY of the same rows:  %.0f rows/s%n", copyRate);
                System.out.printf("ratio ingest / raw COPY:     %.2f (target >= 0.40)%n", ingestRate / copyRate);

                for (var node : nodes) { // first contact: caches
                    http.send(get(base, node), HttpResponse.BodyHandlers.discarding());
                }
                System.out.print("warm-up (not counted): ");
                versionQuery(base, nodes, rate / 2, Duration.ofSeconds(Math.max(5, versionSeconds / 2)));
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

    private static Process startControlPlane(String jdbcUrl, int port, Path work) throws Exception {
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
        env.put("NODERR_DB_URL", jdbcUrl.replace("user=postgres", "").replaceAll("[?&]$", ""));
        env.put("NODERR_DB_USER", "postgres");
        env.put("NODERR_ADMIN_API_TOKEN", ADMIN_TOKEN);
        env.put("NODERR_ADMIN_PASSWORD", "benchmark-admin-password");
        env.put("LOGGING_LEVEL_ROOT", "WARN");
        var profile = System.getProperty("noderr.bench.jfr");
        if (profile != null) {
            // -Dnoderr.bench.jfr=/tmp/cp.jfr records a JFR profile of the control plane for the whole run.
            env.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + profile + ",settings=profile");
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

    private static double rawCopy(String jdbcUrl, List<String> rows) throws Exception {
        var csv = String.join("\n", rows) + "\n";
        try (var c = DriverManager.getConnection(jdbcUrl)) {
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
    private static void versionQuery(String base, List<Node> nodes, int rate, Duration duration) throws Exception {
        final int connections = 64;
        var uri = URI.create(base);
        int perConnection = (int) (rate * duration.toSeconds() / connections);
        long interval = 1_000_000_000L * connections / rate;
        var latencies = new long[perConnection * connections];
        var errors = new AtomicLong();
        long start = System.nanoTime() + 50_000_000L;
        var tasks = new ArrayList<java.util.concurrent.Future<?>>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < connections; c++) {
                int conn = c;
                tasks.add(pool.submit(() -> {
                    var node = nodes.get(conn % nodes.size());
                    var request = ("GET /api/v1/version/" + node.id() + "?currentVersion=1.0.0 HTTP/1.1\r\nHost: "
                            + uri.getHost() + "\r\nAuthorization: Bearer " + node.token() + "\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    java.net.Socket socket = null;
                    try {
                        java.io.OutputStream out = null;
                        java.io.InputStream in = null;
                        long offset = conn * interval / connections; // spread the connections over one interval
                        for (int i = 0; i < perConnection; i++) {
                            long intended = start + offset + i * interval;
                            long wait = intended - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                            if (socket == null) { // first request, or the server closed the keep-alive connection
                                socket = new java.net.Socket(uri.getHost(), uri.getPort());
                                socket.setTcpNoDelay(true);
                                out = socket.getOutputStream();
                                in = new java.io.BufferedInputStream(socket.getInputStream());
                            }
                            out.write(request);
                            out.flush();
                            var response = readResponse(in);
                            if (response.status() != 200) {
                                errors.incrementAndGet();
                            }
                            latencies[conn * perConnection + i] = System.nanoTime() - intended;
                            if (response.close()) {
                                socket.close();
                                socket = null;
                            }
                        }
                    } finally {
                        if (socket != null) {
                            socket.close();
                        }
                    }
                    return null;
                }));
            }
        }
        for (var task : tasks) {
            task.get(); // a broken connection fails the run instead of leaving zero latencies behind
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int total = latencies.length;
        Arrays.sort(latencies);
        System.out.printf("version query at %d req/s offered over %d connections (%.0f achieved over %.1f s, %d "
                        + "errors): p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= 5 ms at 5000 req/s)%n",
                rate, connections, total / seconds, seconds, errors.get(), latencies[total / 2] / 1e6,
                latencies[(int) (total * 0.99)] / 1e6, latencies[total - 1] / 1e6);
    }

    private record Response(int status, boolean close) {}

    /** Reads one HTTP/1.1 response (Content-Length or chunked) and says whether the server closes the connection. */
    private static Response readResponse(java.io.InputStream in) throws java.io.IOException {
        var line = new StringBuilder();
        int status = -1;
        int length = 0;
        boolean chunked = false;
        boolean close = false;
        while (true) {
            int ch = in.read();
            if (ch < 0) {
                throw new java.io.EOFException("connection closed");
            }
            if (ch == '\n') {
                var header = line.toString().strip();
                line.setLength(0);
                if (header.isEmpty()) {
                    break;
                }
                if (status < 0) {
                    status = Integer.parseInt(header.split(" ")[1]);
                } else if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(header.substring(15).strip());
                } else if (header.regionMatches(true, 0, "connection:", 0, 11)) {
                    close = header.toLowerCase(java.util.Locale.ROOT).contains("close");
                } else if (header.regionMatches(true, 0, "transfer-encoding:", 0, 18)) {
                    chunked = header.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                }
            } else {
                line.append((char) ch);
            }
        }
        if (chunked) {
            while (true) {
                var size = new StringBuilder();
                for (int ch; (ch = in.read()) != '\n'; ) {
                    size.append((char) ch);
                }
                int n = Integer.parseInt(size.toString().strip(), 16);
                in.readNBytes(n + 2);
                if (n == 0) {
                    break;
                }
            }
        } else {
            in.readNBytes(length);
        }
        return new Response(status, close);
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
