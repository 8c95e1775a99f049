package network.noderr.agent.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import network.noderr.agent.daemon.PushClient;
import network.noderr.agent.daemon.PushMessage;
import network.noderr.agent.update.StateStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N virtual nodes in one process, one virtual thread each. Onboarding goes through the management API with an admin
 * API token: one application for the fleet, approved, then a batch of single-use install tokens, one per node.
 * Each node uses its own loopback source address (127.0.0.2 upwards), as separate machines would, so per-address
 * rate limits apply per node, not to the whole fleet.
 */
public final class Fleet implements AutoCloseable {

    /** How many nodes and how they misbehave. */
    /**
     * @param push each node also keeps the push stream open, like the daemon, and checks its version at once on
     *     {@code CHECK_NOW} or {@code ROLLBACK}; without it, nodes only check every {@code interval}
     */
    public record Options(URI controlPlane, String adminToken, String tier, int nodes, Duration interval,
            double unhealthyShare, double failingUpdateShare, String startVersion, @Nullable Path state,
            boolean push) {

        /** A fleet that starts anew every time (no state file) and only polls. */
        public Options(URI controlPlane, String adminToken, String tier, int nodes, Duration interval,
                double unhealthyShare, double failingUpdateShare, String startVersion) {
            this(controlPlane, adminToken, tier, nodes, interval, unhealthyShare, failingUpdateShare, startVersion,
                    null, false);
        }

        /** A fleet that only polls. */
        public Options(URI controlPlane, String adminToken, String tier, int nodes, Duration interval,
                double unhealthyShare, double failingUpdateShare, String startVersion, @Nullable Path state) {
            this(controlPlane, adminToken, tier, nodes, interval, unhealthyShare, failingUpdateShare, startVersion,
                    state, false);
        }

        /** The same fleet, with or without the push stream. */
        public Options withPush(boolean on) {
            return new Options(controlPlane, adminToken, tier, nodes, interval, unhealthyShare, failingUpdateShare,
                    startVersion, state, on);
        }
    }

    /** The state file: the tier and its nodes, so a later run brings back the same nodes. */
    private record State(String tier, List<VirtualNode.Saved> nodes) {}

    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ADDRESSES = 250;

    private final Options options;
    private final HttpClient admin = HttpClient.newHttpClient();
    private final List<VirtualNode> nodes = new ArrayList<>();
    /** Nodes of the state file this run did not bring back (it asked for fewer): kept in the file. */
    private List<VirtualNode.Saved> resting = List.of();
    private final AtomicInteger registered = new AtomicInteger();
    private final AtomicLong healthReports = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    /** Version queries the nodes sent (answered or not). */
    private final AtomicLong versionQueries = new AtomicLong();
    /** Pushed messages the nodes heard, and the pushed checks that have finished (each node acts on every one). */
    private final AtomicLong pushesHeard = new AtomicLong();
    private final AtomicLong pushedChecksDone = new AtomicLong();
    private final java.util.concurrent.ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<InetAddress, HttpClient> clients = new java.util.concurrent.ConcurrentHashMap<>();
    /** Pings and reconnects of every node's push stream, and the push summary; made only with push on. */
    private java.util.concurrent.@Nullable ScheduledExecutorService pushTimers;
    private final List<PushClient> pushClients = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final PushTally tally = new PushTally(Duration.ofSeconds(1));
    private final List<PushTally.Burst> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    public Fleet(Options options) {
        this.options = options;
    }

    /**
     * Onboards every node (in parallel); returns how many registered. With a state file, the nodes saved there by an
     * earlier run come back (same ids and keys, as many as asked for) and only the rest register.
     */
    public int register() throws Exception {
        var savedNodes = savedNodes();
        for (var saved : savedNodes) {
            if (nodes.size() == options.nodes()) {
                break;
            }
            var random = ThreadLocalRandom.current();
            nodes.add(VirtualNode.restore(options.controlPlane(), client(nodes.size()), options.tier(), versionQueries, saved,
                    random.nextDouble() < options.unhealthyShare(), random.nextDouble() < options.failingUpdateShare(),
                    Clock.systemUTC()));
            registered.incrementAndGet();
        }
        int restored = nodes.size();
        resting = List.copyOf(savedNodes.subList(restored, savedNodes.size()));
        if (restored > 0) {
            log.info("fleet: {} nodes of an earlier run are back from {}", restored, options.state());
        }
        if (restored == options.nodes()) {
            listenAll(); // the nodes of the earlier run open their push streams again, as the daemon does at a restart
            return registered.get();
        }
        var id = fleetApplication();
        var tokens = new ArrayList<String>();
        for (int left = options.nodes() - restored; left > 0; left -= 1000) {
            call("/api/v1/admin/applications/" + id + "/install-tokens", Map.of("count", Math.min(1000, left)), true)
                    .get("tokens").forEach(t -> tokens.add(t.asText()));
        }
        var tasks = new ArrayList<java.util.concurrent.Future<?>>();
        for (int i = restored; i < options.nodes(); i++) {
            var random = ThreadLocalRandom.current();
            var node = new VirtualNode(options.controlPlane(), client(i), options.tier(), versionQueries,
                    random.nextDouble() < options.unhealthyShare(), random.nextDouble() < options.failingUpdateShare(),
                    random.nextLong(), Clock.systemUTC());
            var token = tokens.get(i - restored);
            nodes.add(node);
            tasks.add(threads.submit(() -> {
                node.register(token, options.startVersion());
                registered.incrementAndGet();
                return null;
            }));
        }
        for (var task : tasks) {
            try {
                task.get();
            } catch (java.util.concurrent.ExecutionException e) {
                errors.incrementAndGet();
                log.warn("A simulated node failed to register: {}", e.getCause().toString());
            }
        }
        save();
        listenAll();
        return registered.get();
    }

    /** With push on: every registered node opens its push stream (in the background, as the daemon does). */
    private void listenAll() {
        if (!options.push()) {
            return;
        }
        for (var node : nodes) {
            if (node.nodeId() != null) {
                listen(node);
            }
        }
    }

    private synchronized void listen(VirtualNode node) {
        var timers = pushTimers;
        if (timers == null) {
            timers = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("fleet-push")
                    .daemon().unstarted(r));
            timers.scheduleWithFixedDelay(this::summarisePushes, 500, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
            pushTimers = timers;
        }
        var client = node.push(message -> {
            tally.heard(message.type(), System.currentTimeMillis());
            pushesHeard.incrementAndGet();
            try {
                threads.execute(() -> checkNow(node, message));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the fleet is closing
            }
        }, timers, threads);
        pushClients.add(client);
        client.start();
    }

    /** A push's check: at once, and the simulated update when told to (a pushed rollback's target needs no query). */
    private void checkNow(VirtualNode node, PushMessage message) {
        try {
            if (retryOnce(() -> node.check(message))) {
                updates.incrementAndGet();
                reportAfterUpdate(node);
            }
        } catch (IOException e) {
            errors.incrementAndGet();
            log.warn("A pushed version check failed: {}", e.toString());
        } finally {
            pushedChecksDone.incrementAndGet();
        }
    }

    /** How many version queries the nodes sent so far (answered or not). */
    public long versionQueries() {
        return versionQueries.get();
    }

    /** Whether every pushed message heard so far has been acted on (its check finished). */
    public boolean pushesSettled() {
        return pushedChecksDone.get() == pushesHeard.get();
    }

    private void summarisePushes() {
        for (var burst : tally.ended(System.currentTimeMillis())) {
            heard.add(burst);
            log.info("fleet: {}", burst);
        }
    }

    /**
     * Waits until every registered node has its push stream open, or {@code atMost} passed; returns how many have.
     * A wait on a condition: the streams open in the background.
     */
    public int awaitPush(Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        int open = pushConnected();
        while (open < pushClients.size() && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
            open = pushConnected();
        }
        return open;
    }

    /** How many attempts to open a push stream failed so far, over all nodes (each waits before the next). */
    public long pushAttemptsFailed() {
        return pushClients.stream().mapToLong(PushClient::failedAttempts).sum();
    }

    /** How many nodes have their push stream open now. */
    public int pushConnected() {
        return (int) pushClients.stream().filter(PushClient::connected).count();
    }

    /** The pushes heard so far, one entry per change told to the fleet (once it is over). */
    public List<PushTally.Burst> pushesHeard() {
        return List.copyOf(heard);
    }

    /** The nodes an earlier run saved for this tier; none without a state file, or when it is for another tier. */
    private List<VirtualNode.Saved> savedNodes() throws IOException {
        var file = options.state();
        if (file == null || !Files.exists(file)) {
            return List.of();
        }
        var state = JSON.readValue(file.toFile(), State.class);
        if (!options.tier().equals(state.tier())) {
            throw new IOException(file + " holds " + state.tier() + " nodes, not " + options.tier()
                    + ": use one state file per tier");
        }
        return state.nodes();
    }

    /**
     * Writes the registered nodes (their private keys too), and the saved ones this run left resting, to the state
     * file, readable by its owner only, replacing it at once so a crash never leaves half a file.
     */
    private void save() throws IOException {
        var file = options.state();
        if (file == null) {
            return;
        }
        var saved = new ArrayList<>(nodes.stream().map(VirtualNode::save).filter(java.util.Objects::nonNull).toList());
        saved.addAll(resting); // saved nodes this run did not bring back stay for a later, larger one
        StateStore.writeOwnerOnly(file,
                JSON.writeValueAsBytes(new State(options.tier(), saved)));
    }

    /**
     * Adds one healthy node that registers with an install token issued elsewhere (e.g. approved in the dashboard);
     * returns its node id. It then takes part in {@link #round()} like the others.
     */
    public String join(String installToken) throws Exception {
        var node = new VirtualNode(options.controlPlane(), client(nodes.size()), options.tier(), versionQueries,
                false, false,
                ThreadLocalRandom.current().nextLong(), Clock.systemUTC());
        node.register(installToken, options.startVersion());
        nodes.add(node);
        registered.incrementAndGet();
        if (options.push()) {
            listen(node);
        }
        return java.util.Objects.requireNonNull(node.nodeId());
    }

    /** The fleet's approved application for its tier: the one from an earlier run, or a new one, approved. */
    String fleetApplication() throws IOException, InterruptedException {
        var name = "Simulated fleet (" + options.tier() + ")";
        // Approved applications come newest first, a page at a time: follow the pages to an earlier run's one.
        var page = options.controlPlane().resolve("/api/v1/admin/applications?status=APPROVED");
        while (page != null) {
            var existing = admin.send(HttpRequest.newBuilder(page)
                            .header("Authorization", "Bearer " + options.adminToken()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (existing.statusCode() == 401 || existing.statusCode() == 403) {
                // Before anything else is sent: a wrong token must not cost an application (and its rate limit).
                throw new IOException("the control plane refused the admin token (HTTP " + existing.statusCode()
                        + "): the simulator needs an ADMIN API token (--admin-token or NODERR_ADMIN_API_TOKEN)");
            }
            if (existing.statusCode() != 200) {
                throw new IOException("listing applications: HTTP " + existing.statusCode() + " " + existing.body());
            }
            for (var a : JSON.readTree(existing.body())) {
                if (name.equals(a.path("operatorName").asText())) {
                    return a.path("id").asText();
                }
            }
            page = existing.headers().firstValue("Link").flatMap(Fleet::nextPage).map(page::resolve).orElse(null);
        }
        var body = Map.of("operatorName", name,
                "email", "fleet@example.org", "walletAddress", "0x" + "5e".repeat(20), "requestedTier", options.tier(),
                "hardware", Map.of("cpuCores", 16, "memoryGb", 64, "diskGb", 2000, "networkMbps", 1000, "gpu", true),
                "message", "simulated nodes");
        var response = send("/api/v1/applications", body, false);
        // The public submission is rate-limited per address (other submissions from here count too): wait it out.
        while (response.statusCode() == 429 && running) {
            var wait = retryAfter(response.headers());
            log.warn("fleet: the control plane's limit on applications from this address is used up; applying for "
                    + "the {} nodes again in {} s", options.tier(), wait.toSeconds());
            Thread.sleep(wait);
            response = send("/api/v1/applications", body, false);
        }
        var id = ok("/api/v1/applications", response).get("applicationId").asText();
        call("/api/v1/admin/applications/" + id + "/approve", Map.of(), true);
        return id;
    }

    /** The target of a {@code Link} header's {@code rel="next"}. */
    static java.util.Optional<String> nextPage(String link) {
        var m = java.util.regex.Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"next\"").matcher(link);
        return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    /**
     * One round: every registered node checks its version and reports health once (twice when it updated: once right
     * after the update, as the daemon does); returns the health reports delivered.
     */
    public long round() throws InterruptedException {
        var before = healthReports.get();
        var tasks = new ArrayList<java.util.concurrent.Future<?>>();
        for (var node : nodes) {
            if (node.nodeId() == null) {
                continue;
            }
            tasks.add(threads.submit(() -> {
                try {
                    if (retryOnce(node::check)) {
                        updates.incrementAndGet();
                        reportAfterUpdate(node);
                    }
                    reportHealth(node);
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
                return null;
            }));
        }
        for (var task : tasks) {
            try {
                task.get();
            } catch (java.util.concurrent.ExecutionException e) {
                errors.incrementAndGet();
            }
        }
        return healthReports.get() - before;
    }

    /**
     * A health report right after an update the node reported, whatever its outcome, as the daemon sends one
     * ({@code Daemon.afterUpdate}): the control plane judges a node in its rollout by its latest report, which until
     * then describes the version before (a pushed update is otherwise not followed by one until the next round).
     */
    private void reportAfterUpdate(VirtualNode node) {
        try {
            reportHealth(node);
        } catch (IOException e) {
            errors.incrementAndGet();
            log.warn("A health report after an update failed: {}", e.toString());
        }
    }

    /** One health report (tried twice), counted once delivered. */
    private void reportHealth(VirtualNode node) throws IOException {
        retryOnce(() -> {
            node.reportHealth();
            return true;
        });
        healthReports.incrementAndGet();
    }

    private interface Call {
        boolean run() throws IOException;
    }

    /**
     * Like the real agent (which buffers and re-sends), a call that timed out or failed on the way is tried once
     * more after a second; an answer from the control plane (4xx/5xx) is not retried.
     */
    private static boolean retryOnce(Call call) throws IOException {
        try {
            return call.run();
        } catch (network.noderr.agent.api.ControlPlane.ApiException e) {
            throw e;
        } catch (IOException e) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw e;
            }
            return call.run();
        }
    }

    /** Rounds every interval until closed. */
    public void runForever() throws InterruptedException {
        while (running) {
            long start = System.nanoTime();
            long delivered = round();
            try {
                save(); // the versions the nodes run now, for the next run
            } catch (IOException e) {
                log.warn("fleet: could not save its nodes to {}: {}", options.state(), e.toString());
            }
            log.info("fleet: {} nodes, {} health reports this round, {} updates and {} errors so far", registered.get(),
                    delivered, updates.get(), errors.get());
            long left = options.interval().toNanos() - (System.nanoTime() - start);
            if (left > 0) {
                Thread.sleep(Duration.ofNanos(left));
            }
        }
    }

    public long errors() {
        return errors.get();
    }

    public List<String> nodeIds() {
        return nodes.stream().map(VirtualNode::nodeId).filter(java.util.Objects::nonNull).toList();
    }

    /**
     * The HTTP client of node {@code i}'s source address (127.0.0.2 .. 127.0.0.251), one per address: an HTTP client
     * holds a selector thread and its file descriptors, so one per node would limit a fleet to a few thousand nodes
     * per process. Its callbacks run on the fleet's virtual threads instead of a thread pool per client.
     */
    private HttpClient client(int i) throws IOException {
        int n = 2 + i % ADDRESSES;
        var address = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) n});
        return clients.computeIfAbsent(address, a -> HttpClient.newBuilder().localAddress(a).executor(threads)
                .connectTimeout(Duration.ofSeconds(10)).build());
    }

    private JsonNode call(String path, Object body, boolean asAdmin) throws IOException, InterruptedException {
        return ok(path, send(path, body, asAdmin));
    }

    private HttpResponse<String> send(String path, Object body, boolean asAdmin)
            throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(options.controlPlane().resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (asAdmin) {
            request.header("Authorization", "Bearer " + options.adminToken());
        }
        return admin.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(String path, HttpResponse<String> response) throws IOException {
        if (response.statusCode() / 100 != 2) {
            throw new IOException(path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** A 429's {@code Retry-After} (seconds), 1 s to 1 h; 60 s when it has none. */
    static Duration retryAfter(java.net.http.HttpHeaders headers) {
        long seconds = headers.firstValue("Retry-After").map(v -> {
            try {
                return Long.parseLong(v.strip());
            } catch (NumberFormatException e) {
                return 60L;
            }
        }).orElse(60L);
        return Duration.ofSeconds(Math.clamp(seconds, 1, 3600));
    }

    @Override
    public void close() {
        running = false;
        pushClients.forEach(PushClient::close);
        var timers = pushTimers;
        if (timers != null) {
            timers.shutdownNow();
        }
        threads.shutdownNow();
        clients.values().forEach(HttpClient::shutdownNow);
    }
}
