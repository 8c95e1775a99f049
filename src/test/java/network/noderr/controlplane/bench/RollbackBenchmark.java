package network.noderr.controlplane.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import network.noderr.controlplane.database.EmbeddedDatabaseProperties;
import network.noderr.controlplane.database.EmbeddedPostgresServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How fast an emergency rollback reaches a fleet (not a test; run with {@code ./bench rollback}). Starts a real
 * PostgreSQL and the packaged control plane as its own process (as {@link ControlPlaneBenchmark} does) and the node
 * agent's simulator ({@code noderr-agent simulate --push}) as another: N nodes on the real node API, each with its
 * push stream open, polling only once an hour, so only the push can move them. Per round: a release of the ALL tier
 * with every cohort activated (each activation is pushed), then, once every node runs it, the emergency rollback to
 * 1.0.0 through the management API; timed from the API call's return to 50 / 90 / 99 / 100 % of the nodes on 1.0.0
 * as the control plane sees it (their update reports, committed, by the control plane's own timestamps), when
 * the nodes heard the push (the simulator's tally), and how many version queries the rollback cost (the control
 * plane's own counter).
 *
 * <p>Arguments: {@code nodes=2000 rounds=3 quiet=5} (seconds between the fleet on the release and the rollback).
 */
public final class RollbackBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String TIER = "ALL";
    private static final Pattern HEARD = Pattern.compile(
            "push (\\w+) heard by (\\d+) nodes from (\\d+) to (\\d+) \\(epoch ms\\)");
    private static final Pattern OPEN = Pattern.compile("push stream open on (\\d+) of (\\d+) nodes");
    private static final Pattern ROUND = Pattern.compile("fleet: \\d+ nodes, (\\d+) health reports this round");

    public static void main(String[] args) throws Exception {
        var options = new java.util.HashMap<String, String>(Map.of("nodes", "2000", "rounds", "3", "quiet", "5"));
        for (var arg : args) {
            var kv = arg.split("=", 2);
            if (kv.length != 2 || !options.containsKey(kv[0]) || !kv[1].matches("[1-9][0-9]{0,5}")) {
                throw new IllegalArgumentException("expected nodes=N rounds=N quiet=S (positive numbers), got " + arg);
            }
            options.put(kv[0], kv[1]);
        }
        int nodes = Integer.parseInt(options.get("nodes"));
        int rounds = Integer.parseInt(options.get("rounds"));
        int quiet = Integer.parseInt(options.get("quiet"));

        var work = Files.createTempDirectory("noderr-bench-rollback");
        try (var db = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(work.resolve("pg"), 0, true))) {
            int port;
            try (var socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            var app = ControlPlaneBenchmark.startControlPlane(db, port, work);
            Process simulator = null;
            try {
                var bench = new RollbackBenchmark(db, URI.create("http://127.0.0.1:" + port), work);
                System.out.printf("machine: %d cores, %s, Java %s; %d nodes, %d rounds%n",
                        Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                        System.getProperty("java.version"), nodes, rounds);
                bench.publishAndActivate("1.0.0");
                bench.abortActive(); // 1.0.0 is what the nodes start on; its rollout cannot complete without them
                simulator = bench.startSimulator(nodes);
                for (int round = 1; round <= rounds; round++) {
                    bench.round(round, nodes, (round + 1) + ".0.0", Duration.ofSeconds(quiet));
                }
            } catch (RuntimeException e) {
                var log = work.resolve("control-plane.log");
                var lines = Files.readAllLines(log);
                System.err.println("control plane log (last 40 lines):\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
                throw e;
            } finally {
                if (simulator != null) {
                    simulator.destroy();
                    simulator.waitFor(30, TimeUnit.SECONDS);
                }
                app.destroy();
                app.waitFor(60, TimeUnit.SECONDS);
            }
        } finally {
            for (var log : List.of("control-plane.log", "simulator.log")) { // kept for a look afterwards
                if (Files.exists(work.resolve(log))) {
                    Files.copy(work.resolve(log), Path.of("target", "bench-rollback-" + log),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            org.springframework.util.FileSystemUtils.deleteRecursively(work);
        }
    }

    private final EmbeddedPostgresServer db;
    private final URI base;
    private final Path work;
    private final HttpClient http = HttpClient.newHttpClient();

    private RollbackBenchmark(EmbeddedPostgresServer db, URI base, Path work) {
        this.db = db;
        this.base = base;
        this.work = work;
    }

    /** Starts the simulator with every node's push stream open; waits until all registered and opened it. */
    private Process startSimulator(int nodes) throws Exception {
        var jar = Path.of("node-agent/target/noderr-agent.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("build the node agent first (./bench rollback does): " + jar);
        }
        var builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "simulate", "--url", base.toString(), "--nodes", String.valueOf(nodes),
                "--tier", TIER, "--interval", "PT1H", "--push")
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("simulator.log").toFile());
        builder.environment().put("NODERR_ADMIN_API_TOKEN", ControlPlaneBenchmark.ADMIN_TOKEN);
        long start = System.nanoTime();
        var process = builder.start();
        var deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the simulator exited:\n" + tail());
            }
            var open = lines().stream().map(OPEN::matcher).filter(java.util.regex.Matcher::find).findFirst();
            // and its first round of checks and health reports is over: a health report sent before an update but
            // stored after it would set the node's version in the registry back (until its next report, an hour on)
            var round = lines().stream().map(ROUND::matcher).filter(java.util.regex.Matcher::find).findFirst();
            if (open.isPresent() && round.isPresent()) {
                int connected = Integer.parseInt(open.get().group(1));
                System.out.printf("simulator: %d nodes registered, %d push streams open, in %.1f s%n", nodes,
                        connected, (System.nanoTime() - start) / 1e9);
                if (connected != nodes || nodesOf(TIER) != nodes) {
                    throw new IllegalStateException("not every node registered and opened its push stream:\n" + tail());
                }
                return process;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IllegalStateException("the simulator did not open its push streams:\n" + tail());
    }

    private void round(int round, int nodes, String version, Duration quiet) throws Exception {
        long publish = System.nanoTime();
        publishAndActivate(version);
        var onRelease = awaitOn(version, nodes, Duration.ofMinutes(2));
        System.out.printf("round %d: %s published and every cohort activated; all %d nodes on it %.1f s later%n",
                round, version, nodes, (onRelease - publish) / 1e9);
        TimeUnit.SECONDS.sleep(quiet.toSeconds());
        // The release's pushes (5 per node) may still have version queries waiting to be answered; counted into the
        // rollback they would be mistaken for its own. Settled: no query answered for a second.
        long queriesBefore = settledVersionQueries(Duration.ofSeconds(60));
        var called = Instant.now();
        post("/api/v1/admin/tiers/" + TIER + "/emergency-rollback",
                Map.of("toVersion", "1.0.0", "reason", "benchmark round " + round), 200);
        var returned = Instant.now();
        awaitOn("1.0.0", nodes, Duration.ofMinutes(5));
        // Version queries sent on the push are answered by the time the node's report is in (one node, one
        // thread): the count now is the rollback's.
        long queries = versionQueries() - queriesBefore;

        var reports = reportTimes(called, returned);
        System.out.printf("round %d: emergency rollback %s -> 1.0.0: API call %d ms (includes the on-chain "
                + "transaction)%n", round, version, Duration.between(called, returned).toMillis());
        pushHeard("ROLLBACK", called).ifPresentOrElse(
                heard -> System.out.printf("  push ROLLBACK heard by %d nodes: first %+d ms, last %+d ms (after the "
                        + "call returned)%n", heard[0], heard[1] - returned.toEpochMilli(),
                        heard[2] - returned.toEpochMilli()),
                () -> System.out.println("  push ROLLBACK: the simulator has not summed it up"));
        System.out.printf("  nodes on 1.0.0 (update report committed) after the call returned: %d reports; 50 %% %d ms,"
                + " 90 %% %d ms, 99 %% %d ms, 100 %% %d ms%n", reports.size(), rank(reports, 0.50),
                rank(reports, 0.90), rank(reports, 0.99), rank(reports, 1.0));
        System.out.printf("  requests to the control plane: %d version queries, %d update reports%n", queries,
                updateReports(called));
    }

    /** Every update report of the tier stored since {@code since}. */
    private long updateReports(Instant since) throws Exception {
        try (var c = db.dataSource().getConnection(); var st = c.prepareStatement(
                "SELECT count(*) FROM update_reports WHERE tier = ? AND reported_at >= ?")) {
            st.setString(1, TIER);
            st.setTimestamp(2, Timestamp.from(since));
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The version query count once it has not changed for a second, or after {@code atMost}. */
    private long settledVersionQueries(Duration atMost) throws Exception {
        var deadline = Instant.now().plus(atMost);
        long last = versionQueries();
        while (Instant.now().isBefore(deadline)) {
            TimeUnit.SECONDS.sleep(1);
            long now = versionQueries();
            if (now == last) {
                return now;
            }
            last = now;
        }
        System.out.println("  (version queries still being answered after " + atMost.toSeconds() + " s)");
        return last;
    }

    /** The version queries the control plane has answered so far (its own counter). */
    private long versionQueries() throws Exception {
        var response = http.send(HttpRequest.newBuilder(base.resolve("/actuator/prometheus"))
                .header("Authorization", "Bearer " + ControlPlaneBenchmark.ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/actuator/prometheus -> " + response.statusCode());
        }
        return response.body().lines()
                .filter(l -> l.startsWith("noderr_version_query_seconds_count"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Each node's first successful update report to 1.0.0 since {@code since}, in ms after {@code zero}, sorted. */
    private List<Long> reportTimes(Instant since, Instant zero) throws Exception {
        var times = new ArrayList<Long>();
        try (var c = db.dataSource().getConnection(); var st = c.prepareStatement("""
                SELECT min(reported_at) FROM update_reports
                WHERE tier = ? AND to_version = '1.0.0' AND result = 'SUCCEEDED' AND reported_at >= ?
                GROUP BY node_id ORDER BY 1""")) {
            st.setString(1, TIER);
            st.setTimestamp(2, Timestamp.from(since));
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    times.add(Duration.between(zero, rs.getTimestamp(1).toInstant()).toMillis());
                }
            }
        }
        return times;
    }

    /** Nearest rank. */
    private static long rank(List<Long> sorted, double share) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(share * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** The simulator's tally of a push heard after {@code since}: {nodes, first, last} (epoch ms). */
    private Optional<long[]> pushHeard(String type, Instant since) throws Exception {
        var deadline = Instant.now().plusSeconds(10); // the tally sums a push up once a second passed without it
        while (Instant.now().isBefore(deadline)) {
            for (var line : lines().reversed()) {
                var m = HEARD.matcher(line);
                if (m.find() && m.group(1).equals(type) && Long.parseLong(m.group(4)) >= since.toEpochMilli()) {
                    return Optional.of(new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                            Long.parseLong(m.group(4))});
                }
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        return Optional.empty();
    }

    /** Waits until {@code count} nodes of the tier run {@code version} in the registry; returns System.nanoTime(). */
    private long awaitOn(String version, int count, Duration atMost) throws Exception {
        var deadline = Instant.now().plus(atMost);
        long on = 0;
        while (Instant.now().isBefore(deadline)) {
            on = nodesOn(version);
            if (on >= count) {
                return System.nanoTime();
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new IllegalStateException(on + " of " + count + " nodes on " + version + " after " + atMost
                + "; the others (current, target, cohort, their reports to it: nodes):\n" + others(version)
                + "\nsimulator:\n" + tail());
    }

    /** The nodes not on {@code version}, grouped by what the registry holds about them. */
    private String others(String version) throws Exception {
        var out = new StringBuilder();
        try (var c = db.dataSource().getConnection(); var st = c.prepareStatement("""
                SELECT v.current_version, v.target_version, v.cohort,
                    (SELECT count(*) FROM update_reports u WHERE u.node_id = v.node_id AND u.to_version = ?) AS reports,
                    count(*)
                FROM nodes n JOIN node_versions v ON v.node_id = n.node_id
                WHERE n.tier = ? AND v.current_version IS DISTINCT FROM ?
                GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC""")) {
            st.setString(1, version);
            st.setString(2, TIER);
            st.setString(3, version);
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    out.append(String.format("  %s, %s, %s, %d: %d%n", rs.getString(1), rs.getString(2),
                            rs.getString(3), rs.getLong(4), rs.getLong(5)));
                }
            }
        }
        return out.toString();
    }

    private long nodesOn(String version) throws Exception {
        try (var c = db.dataSource().getConnection(); var st = c.prepareStatement("""
                SELECT count(*) FROM nodes n JOIN node_versions v ON v.node_id = n.node_id
                WHERE n.tier = ? AND v.current_version = ?""")) {
            st.setString(1, TIER);
            st.setString(2, version);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private long nodesOf(String tier) throws Exception {
        return get("/api/v1/admin/nodes?size=1&tier=" + tier).get("total").asLong();
    }

    /** Publishes {@code version} for the tier, waits for its rollout and activates every cohort (4 promotions). */
    private void publishAndActivate(String version) throws Exception {
        post(network.noderr.controlplane.ApiClient.PUBLISH_ANY_VERSION, Map.of("tier", TIER, "versionString", version,
                "imageRef", "registry.noderr.network/all:" + version,
                "imageDigest", "sha256:" + String.format("%064x", version.hashCode() & 0xffffffffL),
                "configHash", "0x" + "0".repeat(63) + "1"), 202);
        var deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            var active = get("/api/v1/admin/rollouts?tier=" + TIER + "&status=active");
            if (active.size() > 0 && active.get(0).get("versionString").asString().equals(version)) {
                var id = active.get(0).get("id").asString();
                for (int i = 0; i < 4; i++) {
                    post("/api/v1/admin/rollouts/" + id + "/promote", Map.of(), 200);
                }
                return;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IllegalStateException("no rollout of " + version + " within 60 s");
    }

    private void abortActive() throws Exception {
        for (var r : get("/api/v1/admin/rollouts?tier=" + TIER + "&status=active")) {
            post("/api/v1/admin/rollouts/" + r.get("id").asString() + "/abort", Map.of(), 200);
        }
    }

    private JsonNode get(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), 200);
    }

    private JsonNode post(String path, Object body, int expected) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), expected);
    }

    private JsonNode send(HttpRequest.Builder request, int expected) throws Exception {
        var response = http.send(request.header("Authorization", "Bearer " + ControlPlaneBenchmark.ADMIN_TOKEN)
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(request.build().uri() + " -> " + response.statusCode() + " "
                    + response.body());
        }
        return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    private List<String> lines() throws Exception {
        return Files.readAllLines(work.resolve("simulator.log"));
    }

    private String tail() throws Exception {
        var lines = lines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
