package network.noderr.agent.simulate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.daemon.PushClient;
import network.noderr.agent.daemon.PushMessage;
import org.jspecify.annotations.Nullable;

/**
 * One simulated node speaking the real protocol without Docker: its own P-256 key and source address, registration
 * with an install token, challenge/verify, version checks that "update" by waiting and reporting, and health reports.
 * Failure injection: an unhealthy node reports high CPU and errors; a failing node reports its updates ROLLED_BACK.
 */
final class VirtualNode {

    private final URI base;
    private final HttpClient http;
    /** The node's tier: a pushed rollback is followed only for it. */
    private final String tier;
    /** The fleet's count of version queries sent (its nodes share it). */
    private final java.util.concurrent.atomic.AtomicLong versionQueries;
    private final boolean unhealthy;
    private final boolean failsUpdates;
    private final long seed;
    private final Random random;
    private final Clock clock;
    private final Instant started;
    private @Nullable ControlPlane api;
    private @Nullable String nodeId;
    private volatile @Nullable String version;
    private @Nullable PrivateKey key;

    /**
     * What a node needs to come back in a later run as the same node: its id, key and version. Its flaws are not
     * kept: each run decides them by its own shares, so a run without unhealthy nodes has none.
     */
    record Saved(String nodeId, String privateKey, long seed, @Nullable String version) {}

    /** @param http the HTTP client of the node's source address (nodes of one address share it, as its connections) */
    VirtualNode(URI base, HttpClient http, String tier, java.util.concurrent.atomic.AtomicLong versionQueries,
            boolean unhealthy, boolean failsUpdates, long seed, Clock clock) {
        this.base = base;
        this.http = http;
        this.tier = tier;
        this.versionQueries = versionQueries;
        this.unhealthy = unhealthy;
        this.failsUpdates = failsUpdates;
        this.seed = seed;
        this.random = new Random(seed);
        this.clock = clock;
        this.started = clock.instant();
    }

    void register(String installToken, String startVersion) throws Exception {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        var keys = generator.generateKeyPair();
        var registered = ControlPlane.register(http, base, installToken,
                Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()),
                "sim-" + Long.toHexString(random.nextLong()), Map.of("cpuCores", 16, "memoryGb", 64, "diskGb", 2000,
                        "networkMbps", 1000, "gpu", true));
        connect(registered.get("nodeId").asText(), keys.getPrivate(), startVersion);
    }

    /** The node of an earlier run, as it was saved: it logs in with its key, it does not register again. */
    static VirtualNode restore(URI base, HttpClient http, String tier,
            java.util.concurrent.atomic.AtomicLong versionQueries, Saved saved, boolean unhealthy, boolean failsUpdates,
            Clock clock) throws Exception {
        var node = new VirtualNode(base, http, tier, versionQueries, unhealthy, failsUpdates, saved.seed(), clock);
        var key = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(saved.privateKey())));
        node.connect(saved.nodeId(), key, saved.version());
        return node;
    }

    /** This node for a later run; null before it registered. */
    @Nullable Saved save() {
        var id = nodeId;
        var privateKey = key;
        if (id == null || privateKey == null) {
            return null;
        }
        return new Saved(id, Base64.getEncoder().encodeToString(privateKey.getEncoded()), seed, version);
    }

    private void connect(String id, PrivateKey privateKey, @Nullable String runs) {
        key = privateKey;
        version = runs;
        api = new ControlPlane(base, id, message -> {
            try {
                var signature = Signature.getInstance("SHA256withECDSA");
                signature.initSign(privateKey);
                signature.update(message);
                return signature.sign();
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException(e);
            }
        }, clock, http)
                // No metrics endpoint here: port 0 keeps the node out of Prometheus' service discovery (a target at
                // the default 9101 would never answer, and NodeDown would fire for every simulated node).
                .advertisingMetricsPort(0);
        nodeId = id;
    }

    /**
     * The node's push stream (not started): like the daemon's, on its own source address; {@code onMessage} gets
     * each CHECK_NOW / ROLLBACK.
     */
    PushClient push(java.util.function.Consumer<PushMessage> onMessage, ScheduledExecutorService scheduler,
            Executor connector) {
        return new PushClient(java.util.Objects.requireNonNull(api), onMessage, http, scheduler, connector);
    }

    /**
     * One version check; "updates" when told to. Returns true when it reported an update. One at a time: a pushed
     * check and the periodic one may meet.
     */
    boolean check() throws IOException {
        return check(null);
    }

    /**
     * A check the push stream asked for: a {@code ROLLBACK} that names its target is followed without the version
     * query, as the daemon does ({@code Daemon.onPush}); any other message asks the query. A simulated node has no
     * chain to check the target against: it only makes the same requests as a real node.
     */
    synchronized boolean check(@Nullable PushMessage pushed) throws IOException {
        var target = pushed == null ? null : pushed.rollbackTarget(tier).orElse(null);
        String to;
        if (target != null) {
            if (target.versionString().equals(version)) {
                return false; // runs the rollback's version already
            }
            to = target.versionString();
        } else {
            versionQueries.incrementAndGet();
            var answer = java.util.Objects.requireNonNull(api).version(version);
            if (!answer.shouldUpdate() || answer.versionString() == null) {
                return false;
            }
            to = answer.versionString();
        }
        long duration = 2_000 + random.nextInt(8_000); // a simulated pull + swap + health window
        var controlPlane = java.util.Objects.requireNonNull(api);
        if (failsUpdates) {
            controlPlane.reportUpdate(version, to, "ROLLED_BACK", duration, "simulated failure: health window failed");
        } else {
            controlPlane.reportUpdate(version, to, "SUCCEEDED", duration, null);
            version = to;
        }
        return true;
    }

    void reportHealth() throws IOException {
        var metrics = new LinkedHashMap<String, Object>();
        metrics.put("uptime", Duration.between(started, clock.instant()).toSeconds());
        metrics.put("cpu", unhealthy ? 97.0 : 10 + random.nextInt(40));
        metrics.put("memory", unhealthy ? 96.0 : 20 + random.nextInt(40));
        metrics.put("disk", 30 + random.nextInt(20));
        metrics.put("errors", unhealthy ? 12 : 0);
        var report = new LinkedHashMap<String, Object>();
        report.put("nodeId", nodeId);
        report.put("version", version == null ? "unknown" : version);
        report.put("metrics", metrics);
        report.put("timestamp", clock.instant().toString());
        java.util.Objects.requireNonNull(api).reportHealth(List.of(report));
    }

    @Nullable String nodeId() {
        return nodeId;
    }
}
