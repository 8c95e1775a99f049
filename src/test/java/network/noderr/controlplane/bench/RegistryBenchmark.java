package network.noderr.controlplane.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.LoadState;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import network.noderr.controlplane.browser.Browsers;
import network.noderr.controlplane.database.EmbeddedDatabaseProperties;
import network.noderr.controlplane.database.EmbeddedPostgresServer;
import network.noderr.controlplane.nodes.NodeQuery;
import network.noderr.controlplane.nodes.NodeStatus;
import network.noderr.controlplane.nodes.RegistryQueryPlans;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * Benchmark of the admin dashboard's node registry screen (not a test; run with {@code ./bench registry}). Starts a
 * real PostgreSQL and the packaged control plane, seeds {@code nodes} nodes ({@link RegistrySeed}, COPY), logs in
 * as the bootstrap admin in real Chromium and times, inside the page, each user action on the Nodes screen until the
 * grid shows its new first rows: opening the screen, sorting by every column both ways, each filter, the search, and
 * a combination. The expected first row and count of every step come from the management API beforehand, so a
 * step only counts once the grid shows exactly those.
 *
 * <p>Arguments: {@code nodes=100000 repeat=10 warmup=2 seed=1 explain=0}. {@code explain=1} prints EXPLAIN ANALYZE
 * of the registry queries of the slowest action.
 */
public final class RegistryBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
    private static final double FIRST_ROWS_TARGET_MS = 1_000;
    private static final double ACTION_TARGET_MS = 300;

    /** A sortable column: the grid's header text and the registry's sort property. */
    private record Column(String header, String property) {}

    private static final List<Column> COLUMNS = List.of(new Column("Node", "nodeId"), new Column("Host", "hostname"),
            new Column("Tier", "tier"), new Column("Status", "status"), new Column("Key", "keyType"),
            new Column("Version", "currentVersion"), new Column("Target", "targetVersion"),
            new Column("Cohort", "cohort"), new Column("Health", "healthStatus"),
            new Column("Last report", "lastHealthCheck"), new Column("Registered", "registeredAt"));

    /** What the screen shows: its filters and sort, as the browser has them and as the management API takes them. */
    record View(@Nullable String tier, @Nullable String status, @Nullable String health, @Nullable String version,
            @Nullable String cohort, @Nullable String text, @Nullable String sort, boolean descending) {

        static final View ALL = new View(null, null, null, null, null, null, null, false);

        View tier(@Nullable String value) {
            return new View(value, status, health, version, cohort, text, sort, descending);
        }

        View status(@Nullable String value) {
            return new View(tier, value, health, version, cohort, text, sort, descending);
        }

        View health(@Nullable String value) {
            return new View(tier, status, value, version, cohort, text, sort, descending);
        }

        View version(@Nullable String value) {
            return new View(tier, status, health, value, cohort, text, sort, descending);
        }

        View cohort(@Nullable String value) {
            return new View(tier, status, health, version, value, text, sort, descending);
        }

        View text(@Nullable String value) {
            return new View(tier, status, health, version, cohort, value, sort, descending);
        }

        View sorted(@Nullable String property, boolean desc) {
            return new View(tier, status, health, version, cohort, text, property, desc);
        }

        String apiQuery() {
            var q = new StringBuilder("page=0&size=1");
            param(q, "tier", tier);
            param(q, "status", status);
            param(q, "health", health);
            param(q, "version", version);
            param(q, "cohort", cohort);
            param(q, "q", text);
            param(q, "sort", sort == null ? null : sort + (descending ? ",desc" : ",asc"));
            return q.toString();
        }

        NodeQuery nodeQuery(int size) {
            return new NodeQuery(tier == null ? null : Tier.valueOf(tier),
                    status == null ? null : NodeStatus.valueOf(status), health, version, cohort, text, 0, size, sort,
                    descending);
        }

        private static void param(StringBuilder q, String name, @Nullable String value) {
            if (value != null) {
                q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * One user action on the screen: how it changes the view, what to do first (not timed, e.g. open a select) and
     * the action itself. A page load is timed from navigation start, everything else from the user's last input.
     */
    private record Step(String name, boolean measured, boolean pageLoad, UnaryOperator<View> change,
            Consumer<Page> prepare, Consumer<Page> act) {}

    /** What the grid must show after a step. */
    private record Expected(@Nullable String firstId, long total) {}

    /** One timed step, in milliseconds. */
    private record Sample(double total, double beforeRequest, double request, double afterResponse) {}

    public static void main(String[] args) {
        int status = 0;
        try {
            run(args);
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status); // Playwright's driver threads would keep the JVM alive
    }

    private static void run(String[] args) throws Exception {
        var options = new HashMap<String, String>(Map.of("nodes", "100000", "repeat", "10", "warmup", "2", "seed", "1",
                "explain", "0"));
        for (var arg : args) {
            var kv = arg.split("=", 2);
            if (kv.length != 2 || !options.containsKey(kv[0])) {
                throw new IllegalArgumentException("unknown argument " + arg + "; use " + options.keySet()
                        + " as name=value");
            }
            options.put(kv[0], kv[1]);
        }
        int nodes = positive(options, "nodes");
        int repeat = positive(options, "repeat");
        int warmup = Integer.parseInt(options.get("warmup"));
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup must be 0 or more, was " + warmup);
        }
        boolean explain = options.get("explain").equals("1") || options.get("explain").equals("true");

        var work = Files.createTempDirectory("noderr-registry-bench");
        try (var db = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(work.resolve("pg"), 0, true))) {
            int port;
            try (var socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            var app = ControlPlaneBenchmark.startControlPlane(db, port, work);
            try (var connection = db.dataSource().getConnection()) {
                long start = System.nanoTime();
                var seeded = RegistrySeed.generate(nodes, Long.parseLong(options.get("seed")), Instant.now());
                var copy = RegistrySeed.load(connection, seeded);
                System.out.printf("seeded %,d nodes in %.1f s (COPY %.1f s, then VACUUM ANALYZE)%n", nodes,
                        (System.nanoTime() - start) / 1e9, copy.toMillis() / 1e3);
                String postgres;
                try (var st = connection.createStatement(); var rs = st.executeQuery("SHOW server_version")) {
                    rs.next();
                    postgres = rs.getString(1);
                }
                System.out.printf("machine: %d cores, %s, Java %s, PostgreSQL %s, %s%n",
                        Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                        System.getProperty("java.version"), postgres, "Chromium " + Browsers.chromium().version());

                var bench = new RegistryBenchmark("http://localhost:" + port, port);
                var results = new LinkedHashMap<String, List<Sample>>();
                var views = new HashMap<String, View>();
                for (int round = 0; round < warmup + repeat; round++) {
                    long roundStart = System.nanoTime();
                    var samples = bench.round(views);
                    if (round >= warmup) {
                        samples.forEach((name, sample) -> results.computeIfAbsent(name, k -> new ArrayList<>())
                                .add(sample));
                    }
                    System.out.printf("round %d/%d%s: %.1f s%n", round + 1, warmup + repeat,
                            round < warmup ? " (warm-up, not counted)" : "", (System.nanoTime() - roundStart) / 1e9);
                }
                var slowest = report(results, nodes, repeat);
                if (explain && slowest != null) {
                    System.out.printf("%nEXPLAIN ANALYZE of the registry queries of the action with the slowest round "
                            + "trip (%s):%n",
                            slowest);
                    for (var plan : RegistryQueryPlans.explain(connection, views.get(slowest).nodeQuery(50))) {
                        System.out.println(plan);
                    }
                }
            } finally {
                app.destroy();
                app.waitFor(60, TimeUnit.SECONDS);
            }
        } finally {
            org.springframework.util.FileSystemUtils.deleteRecursively(work);
        }
    }

    private final String base;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<View, Expected> expectations = new HashMap<>();
    private final String probe;

    private RegistryBenchmark(String base, int port) throws Exception {
        this.base = base;
        this.port = port;
        try (var in = RegistryBenchmark.class.getResourceAsStream("/bench/registry-probe.js")) {
            this.probe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** One round in a fresh browser context: log in, then every step in order. Returns the measured steps. */
    private Map<String, Sample> round(Map<String, View> views) throws Exception {
        // A desktop window (all eleven columns fit) in a fresh context: no cookies, an empty HTTP cache.
        var context = Browsers.chromium().newContext(new Browser.NewContextOptions().setViewportSize(1920, 1080));
        context.setDefaultTimeout(STEP_TIMEOUT.toMillis());
        var page = context.newPage();
        try {
            page.addInitScript("window.__registryProbeOnLoad = "
                    + JSON.writeValueAsString(probeExpectation(expected(View.ALL))) + ";\n" + probe);
            Browsers.logIn(page, port, "admin", ControlPlaneBenchmark.ADMIN_PASSWORD);
            page.waitForLoadState(LoadState.NETWORKIDLE);
            var samples = new LinkedHashMap<String, Sample>();
            var view = View.ALL;
            for (var step : steps()) {
                view = step.change().apply(view);
                var expected = expected(view);
                step.prepare().accept(page);
                if (!step.pageLoad()) {
                    page.evaluate("e => window.__registryProbe.arm(e)", probeExpectation(expected));
                }
                step.act().accept(page);
                @SuppressWarnings("unchecked")
                var result = (Map<String, Object>) page.evaluate("() => window.__registryProbe.result()");
                if (step.measured()) {
                    samples.put(step.name(), new Sample(number(result, "totalMs"), number(result, "beforeRequestMs"),
                            number(result, "requestMs"), number(result, "afterResponseMs")));
                    views.put(step.name(), view);
                }
            }
            return samples;
        } finally {
            page.context().close();
        }
    }

    private List<Step> steps() {
        var steps = new ArrayList<Step>();
        steps.add(new Step("open Nodes from the menu (after login)", true, false, v -> View.ALL, p -> {},
                p -> Browsers.openScreen(p, "Nodes")));
        steps.add(new Step("open /nodes by URL (full page load)", true, true, v -> View.ALL, p -> {},
                p -> p.navigate(base + "/nodes")));
        for (var column : COLUMNS) {
            steps.add(new Step("sort " + column.header() + " ascending", true, false,
                    v -> v.sorted(column.property(), false), p -> reveal(p, column.header()),
                    p -> sorter(p, column.header()).click()));
            steps.add(new Step("sort " + column.header() + " descending", true, false,
                    v -> v.sorted(column.property(), true), p -> reveal(p, column.header()),
                    p -> sorter(p, column.header()).click()));
        }
        var last = COLUMNS.getLast().header();
        steps.add(new Step("clear the sort", false, false, v -> v.sorted(null, false), p -> reveal(p, last),
                p -> sorter(p, last).click()));

        steps.add(choose("filter Tier ORACLE", true, "Tier", "ORACLE", v -> v.tier("ORACLE")));
        steps.add(choose("all tiers", false, "Tier", "All tiers", v -> v.tier(null)));
        steps.add(choose("filter Status Suspended", true, "Status", "Suspended", v -> v.status("SUSPENDED")));
        steps.add(choose("any status", false, "Status", "Any status", v -> v.status(null)));
        steps.add(choose("filter Health Unhealthy", true, "Health", "Unhealthy", v -> v.health("unhealthy")));
        steps.add(choose("filter Health Never reported", true, "Health", "Never reported", v -> v.health("unknown")));
        steps.add(choose("any health", false, "Health", "Any health", v -> v.health(null)));
        steps.add(choose("filter Version 2.4.0", true, "Version", "2.4.0", v -> v.version("2.4.0")));
        steps.add(choose("any version", false, "Version", "Any version", v -> v.version(null)));
        steps.add(choose("filter Cohort Canary", true, "Cohort", "Canary", v -> v.cohort("canary")));
        steps.add(choose("any cohort", false, "Cohort", "Any cohort", v -> v.cohort(null)));
        for (var text : List.of("7f3", "sgp-")) {
            steps.add(type("search '" + text + "' (typed; incl. the debounce)", true, text));
            steps.add(type("clear the search", false, ""));
        }

        steps.add(choose("combination: Tier GUARDIAN", true, "Tier", "GUARDIAN", v -> v.tier("GUARDIAN")));
        steps.add(choose("combination: + Health Degraded", true, "Health", "Degraded", v -> v.health("degraded")));
        steps.add(choose("combination: + Cohort 3", true, "Cohort", "Cohort 3", v -> v.cohort("cohort3")));
        steps.add(type("combination: + search 'fra-'", true, "fra-"));
        steps.add(new Step("combination: + sort Last report ascending", true, false,
                v -> v.sorted("lastHealthCheck", false), p -> reveal(p, "Last report"),
                p -> sorter(p, "Last report").click()));
        steps.add(new Step("combination: + sort Last report descending", true, false,
                v -> v.sorted("lastHealthCheck", true), p -> reveal(p, "Last report"),
                p -> sorter(p, "Last report").click()));
        return steps;
    }

    /** Opens a select (not timed), then picks an option (timed from that click). */
    private static Step choose(String name, boolean measured, String label, String option, UnaryOperator<View> change) {
        return new Step(name, measured, false, change, p -> {
            p.getByLabel(label, new Page.GetByLabelOptions().setExact(true)).click();
            optionOf(p, option).waitFor();
        }, p -> optionOf(p, option).click());
    }

    /** Types into the search field key by key (timed from the last key), or clears it. */
    private static Step type(String name, boolean measured, String text) {
        return new Step(name, measured, false, v -> v.text(text.isEmpty() ? null : text), p -> {}, p -> {
            var field = p.getByLabel("Search", new Page.GetByLabelOptions().setExact(true));
            if (text.isEmpty()) {
                field.fill("");
            } else {
                field.pressSequentially(text);
            }
        });
    }

    private static Locator optionOf(Page page, String option) {
        return page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName(option).setExact(true));
    }

    /**
     * Scrolls a column header into the grid's view (not timed). Playwright's own scrolling does not always reach
     * into the grid's scrolling table, and then clicks beside a header that the grid clips.
     */
    private static void reveal(Page page, String header) {
        sorter(page, header).evaluate("e => e.scrollIntoView({block: 'nearest', inline: 'nearest'})");
    }

    private static Locator sorter(Page page, String header) {
        return page.locator("vaadin-grid-sorter:text-is('" + header + "')");
    }

    /** The first row and total the screen must show for a view, from the management API (cached). */
    private Expected expected(View view) throws Exception {
        var known = expectations.get(view);
        if (known != null) {
            return known;
        }
        var response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/admin/nodes?" + view.apiQuery()))
                .header("Authorization", "Bearer " + ControlPlaneBenchmark.ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("registry API " + view + " -> " + response.statusCode() + " "
                    + response.body());
        }
        var page = JSON.readTree(response.body());
        var items = page.path("items");
        var expected = new Expected(items.isEmpty() ? null : items.get(0).path("nodeId").asString(),
                page.path("total").asLong());
        expectations.put(view, expected);
        return expected;
    }

    private static Map<String, Object> probeExpectation(Expected expected) {
        var map = new HashMap<String, Object>();
        map.put("firstId", expected.firstId());
        map.put("total", Math.toIntExact(expected.total())); // Playwright passes no long
        map.put("timeoutMs", Math.toIntExact(STEP_TIMEOUT.toMillis()));
        return map;
    }

    /** Prints the table and returns the action (not a page load) whose registry requests took longest (median). */
    private static @Nullable String report(Map<String, List<Sample>> results, int nodes, int repeat) {
        System.out.printf("%nNode registry screen, %,d nodes, %d measured rounds (ms; p95 of %d samples is their "
                + "nearest rank)%n", nodes, repeat, repeat);
        System.out.printf("%-52s %7s %7s %7s | %9s %9s %9s | %s%n", "action", "p50", "p95", "max", "to req.",
                "round trip", "to frame", "target");
        String slowest = null;
        double slowestMedian = -1;
        int missed = 0;
        for (var entry : results.entrySet()) {
            var samples = entry.getValue();
            var totals = samples.stream().mapToDouble(Sample::total).sorted().toArray();
            boolean firstRows = entry.getKey().startsWith("open ");
            double target = firstRows ? FIRST_ROWS_TARGET_MS : ACTION_TARGET_MS;
            double p95 = percentile(totals, 95);
            boolean met = p95 <= target;
            missed += met ? 0 : 1;
            System.out.printf(Locale.ROOT, "%-52s %7.0f %7.0f %7.0f | %9.0f %9.0f %9.0f | %s %.0f%n", entry.getKey(),
                    percentile(totals, 50), p95, totals[totals.length - 1],
                    median(samples, Sample::beforeRequest), median(samples, Sample::request),
                    median(samples, Sample::afterResponse), met ? "ok  ≤" : "OVER ≤", target);
            double roundTrip = median(samples, Sample::request);
            if (!firstRows && roundTrip > slowestMedian) {
                slowestMedian = roundTrip;
                slowest = entry.getKey();
            }
        }
        System.out.printf("%s: first rows ≤ %.0f ms, sort and filter ≤ %.0f ms at p95; 'to req.', 'round trip' and "
                + "'to frame' are medians of the parts: input → registry request, request → response, response → "
                + "painted frame%n", missed == 0 ? "all targets met" : missed + " action(s) over target",
                FIRST_ROWS_TARGET_MS, ACTION_TARGET_MS);
        return slowest;
    }

    private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> part) {
        return percentile(samples.stream().mapToDouble(part).sorted().toArray(), 50);
    }

    /** Nearest-rank percentile of sorted values. */
    private static double percentile(double[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double number(Map<String, Object> result, String key) {
        return ((Number) result.get(key)).doubleValue();
    }

    private static int positive(Map<String, String> options, String name) {
        int value = Integer.parseInt(options.get(name));
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be 1 or more, was " + value);
        }
        return value;
    }
}
