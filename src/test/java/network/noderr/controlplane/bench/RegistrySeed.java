package network.noderr.controlplane.bench;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import network.noderr.controlplane.nodes.KeyType;
import network.noderr.controlplane.nodes.NodeStatus;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/**
 * A node registry of any size with the spread of a real network, for the registry benchmark and its tests. The same
 * random seed gives the same nodes. {@link #generate} builds the rows; {@link #load} writes them into {@code nodes}
 * and {@code node_versions} with COPY (100,000 nodes in a few seconds) and analyses both tables.
 *
 * <p>The spread: tiers ALL 70 % / ORACLE 20 % / GUARDIAN 10 %; 3 % suspended; TPM keys on most GUARDIAN nodes and
 * some others; per tier a rollout of its newest version in progress (canary mostly updated, canary and cohort 1
 * targeted) and a few older versions still running; health 88 % healthy, 7 % degraded, 5 % unhealthy among nodes
 * that report, 4 % never reported (no version, health or last report, as right after registration); host names
 * {@code <region>-<tier letter><number>.<operator domain>} over eight regions and 400 operators; registrations over
 * 18 months, more of them recent. Cohorts come from the real assignment ({@link CohortAssignment}, keccak256 of the
 * node id) with the default split. Public keys are unique bytes shaped like a P-256 key but not a curve point:
 * seeded nodes never authenticate.
 */
public final class RegistrySeed {

    /** One seeded node: its {@code nodes} row and its {@code node_versions} row. */
    public record SeededNode(
            String nodeId,
            Tier tier,
            String hostname,
            NodeStatus status,
            KeyType keyType,
            @Nullable String currentVersion,
            @Nullable String targetVersion,
            Cohort cohort,
            int bucket,
            @Nullable String healthStatus,
            @Nullable Instant lastHealthCheck,
            Instant registeredAt,
            int cpuCores,
            int memoryGb,
            int diskGb,
            int networkMbps,
            boolean gpu,
            byte[] publicKey) {}

    /** Versions per tier, newest first: the newest is being rolled out, the others still run on some nodes. */
    private static final List<List<String>> VERSIONS = List.of(
            List.of("2.5.0", "2.4.1", "2.4.0", "2.3.7"),   // ALL
            List.of("1.9.0", "1.8.2", "1.8.1"),            // ORACLE
            List.of("3.2.0", "3.1.4", "3.1.3"));           // GUARDIAN
    /** Share of the reporting nodes outside the canary on each older version (the rest of the list splits the rest). */
    private static final double[] OLDER_WEIGHTS = {0.70, 0.22, 0.08};
    private static final String[] REGIONS = {"fra", "ams", "lon", "nyc", "sfo", "sgp", "tyo", "syd"};
    private static final double[] REGION_WEIGHTS = {0.20, 0.15, 0.12, 0.15, 0.10, 0.12, 0.10, 0.06};
    private static final String[] OPERATOR_WORDS = {"stake", "block", "relay", "vault", "forge", "orbit", "delta",
        "quant", "apex", "nimbus"};
    private static final int OPERATORS = 400;
    private static final Duration HISTORY = Duration.ofDays(540);
    private static final byte[] P256_SPKI_PREFIX = HexFormat.of().parseHex(
            "3059301306072a8648ce3d020106082a8648ce3d03010703420004");

    private RegistrySeed() {}

    /** {@code count} nodes from {@code randomSeed}, as seen at {@code now}. */
    public static List<SeededNode> generate(int count, long randomSeed, Instant now) {
        if (count < 1 || count > 10_000_000) {
            throw new IllegalArgumentException("count must be 1 to 10,000,000, was " + count);
        }
        var random = new Random(randomSeed);
        var ids = new HashSet<String>(count * 2);
        var nodes = new ArrayList<SeededNode>(count);
        var hex = HexFormat.of();
        now = now.truncatedTo(ChronoUnit.MILLIS);
        while (nodes.size() < count) {
            var id = "node-" + hex.toHexDigits(random.nextLong());
            if (!ids.add(id)) {
                continue;
            }
            double t = random.nextDouble();
            var tier = t < 0.70 ? Tier.ALL : t < 0.90 ? Tier.ORACLE : Tier.GUARDIAN;
            var versions = VERSIONS.get(tier.ordinal());
            int bucket = CohortAssignment.bucket(id);
            var cohort = CohortAssignment.cohortOf(bucket, RolloutConfig.DEFAULT);
            var suspended = random.nextDouble() < 0.03;
            var registered = now.minusMillis((long) (HISTORY.toMillis() * Math.pow(random.nextDouble(), 2)));
            boolean reports = random.nextDouble() >= 0.04;

            String current = null;
            String health = null;
            Instant lastCheck = null;
            if (reports) {
                current = cohort == Cohort.CANARY && random.nextDouble() < 0.9
                        ? versions.getFirst()
                        : versions.get(1 + pick(random, OLDER_WEIGHTS, versions.size() - 1));
                double h = random.nextDouble();
                health = suspended || h >= 0.95 ? "unhealthy" : h >= 0.88 ? "degraded" : "healthy";
                // Healthy and degraded nodes reported within the last minute; unhealthy ones half of the time
                // (a bad report), otherwise they went silent minutes to days ago.
                long ageMs = health.equals("unhealthy") && random.nextBoolean()
                        ? 180_000 + (long) (random.nextDouble() * Duration.ofDays(3).toMillis())
                        : (long) (random.nextDouble() * 60_000);
                lastCheck = max(registered, now.minusMillis(ageMs));
            }
            var target = cohort.index() <= Cohort.COHORT1.index() ? versions.getFirst() : versions.get(1);

            int region = pick(random, REGION_WEIGHTS, REGIONS.length);
            int operator = random.nextInt(OPERATORS);
            var hostname = "%s-%s%05d.%s-%d.net".formatted(REGIONS[region], tier.name().substring(0, 1).toLowerCase(),
                    random.nextInt(100_000), OPERATOR_WORDS[operator % OPERATOR_WORDS.length], operator);
            var keyType = random.nextDouble() < (tier == Tier.GUARDIAN ? 0.8 : 0.3) ? KeyType.TPM2 : KeyType.SOFTWARE;
            int scale = 1 << tier.ordinal(); // ALL 1, ORACLE 2, GUARDIAN 4: the tiers' minimum hardware
            nodes.add(new SeededNode(id, tier, hostname, suspended ? NodeStatus.SUSPENDED : NodeStatus.ACTIVE,
                    keyType, current, target, cohort, bucket, health, lastCheck, registered,
                    2 * scale * (1 + random.nextInt(2)), 4 * scale * (1 + random.nextInt(4)),
                    (tier == Tier.ALL ? 20 : tier == Tier.ORACLE ? 50 : 100) * (1 + random.nextInt(5)),
                    (5 + 5 * scale) * (1 + random.nextInt(10)),
                    tier != Tier.ALL && random.nextDouble() < (tier == Tier.GUARDIAN ? 0.7 : 0.3), publicKey(id)));
        }
        return nodes;
    }

    /**
     * Writes the nodes with COPY in one transaction, then {@code VACUUM ANALYZE}s both tables so that the planner
     * sees the registry as it would after autovacuum. Returns the time the COPY took.
     */
    public static Duration load(Connection connection, List<SeededNode> nodes) throws SQLException {
        var nodeRows = new StringBuilder(nodes.size() * 260);
        var versionRows = new StringBuilder(nodes.size() * 160);
        var hex = HexFormat.of();
        for (var n : nodes) {
            csv(nodeRows, n.nodeId(), n.tier().name(), n.hostname(), n.cpuCores(), n.memoryGb(), n.diskGb(),
                    n.networkMbps(), n.gpu(), "\\x" + hex.formatHex(n.publicKey()), n.keyType().name(),
                    n.status().name(), n.registeredAt(), n.lastHealthCheck());
            csv(versionRows, n.nodeId(), n.tier().name(), n.currentVersion(), n.targetVersion(), n.cohort().wireName(),
                    n.bucket(), n.lastHealthCheck(), n.healthStatus(), n.registeredAt(),
                    n.lastHealthCheck() == null ? n.registeredAt() : n.lastHealthCheck());
        }
        boolean autoCommit = connection.getAutoCommit();
        long start = System.nanoTime();
        connection.setAutoCommit(false);
        try {
            var copy = connection.unwrap(PGConnection.class).getCopyAPI();
            copy.copyIn("""
                    COPY nodes (node_id, tier, hostname, cpu_cores, memory_gb, disk_gb, network_mbps, gpu, public_key,
                        key_type, status, registered_at, last_authenticated_at) FROM STDIN WITH (FORMAT csv)""",
                    new StringReader(nodeRows.toString()));
            copy.copyIn("""
                    COPY node_versions (node_id, tier, current_version, target_version, cohort, bucket,
                        last_health_check, health_status, created_at, updated_at) FROM STDIN WITH (FORMAT csv)""",
                    new StringReader(versionRows.toString()));
            connection.commit();
        } catch (SQLException | java.io.IOException e) {
            connection.rollback();
            throw e instanceof SQLException s ? s : new SQLException("COPY failed", e);
        } finally {
            connection.setAutoCommit(true);
        }
        var copied = Duration.ofNanos(System.nanoTime() - start);
        try (var st = connection.createStatement()) {
            st.execute("VACUUM ANALYZE nodes");
            st.execute("VACUUM ANALYZE node_versions");
        }
        connection.setAutoCommit(autoCommit);
        return copied;
    }

    /** Index drawn from {@code weights} (the first {@code n}, renormalised). */
    private static int pick(Random random, double[] weights, int n) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += weights[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < n - 1; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return n - 1;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** Unique per node: the P-256 SPKI header and 64 bytes derived from the node id. */
    private static byte[] publicKey(String nodeId) {
        try {
            var sha = MessageDigest.getInstance("SHA-256");
            var x = sha.digest(nodeId.getBytes(StandardCharsets.UTF_8));
            var y = sha.digest(x);
            var key = new byte[P256_SPKI_PREFIX.length + 64];
            System.arraycopy(P256_SPKI_PREFIX, 0, key, 0, P256_SPKI_PREFIX.length);
            System.arraycopy(x, 0, key, P256_SPKI_PREFIX.length, 32);
            System.arraycopy(y, 0, key, P256_SPKI_PREFIX.length + 32, 32);
            return key;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One CSV line; null is an empty unquoted field (NULL in COPY), text is quoted. */
    private static void csv(StringBuilder out, @Nullable Object... values) {
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            var v = values[i];
            if (v instanceof String s) {
                out.append('"').append(s.replace("\"", "\"\"")).append('"');
            } else if (v != null) {
                out.append(v);
            }
        }
        out.append('\n');
    }
}
