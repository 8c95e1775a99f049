package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import network.noderr.controlplane.bench.RegistrySeed;
import network.noderr.controlplane.bench.RegistrySeed.SeededNode;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.shared.Tier;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The registry query over the benchmark's seed ({@link RegistrySeed}, 2,000 nodes), checked row for row against the
 * seeded nodes: every filter, every sort in both directions, paging. Runs in a database of its own on the test
 * server (created with the C collation, so that text sorts the way Java compares strings), migrated by Flyway with
 * the application's migrations; no other test's nodes can change its totals.
 */
class SeededRegistryTest {

    private static final int NODES = 2_000;
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final List<SeededNode> SEED = RegistrySeed.generate(NODES, 42, NOW);

    /** The registry's sortable properties and the seeded value each one sorts by. */
    private static final Map<String, Function<SeededNode, @Nullable Comparable<?>>> SORT_KEYS = Map.ofEntries(
            Map.entry("nodeId", SeededNode::nodeId),
            Map.entry("hostname", SeededNode::hostname),
            Map.entry("tier", n -> n.tier().name()),
            Map.entry("status", n -> n.status().name()),
            Map.entry("keyType", n -> n.keyType().name()),
            Map.entry("currentVersion", SeededNode::currentVersion),
            Map.entry("targetVersion", SeededNode::targetVersion),
            Map.entry("cohort", n -> n.cohort().wireName()),
            Map.entry("healthStatus", SeededNode::healthStatus),
            Map.entry("lastHealthCheck", SeededNode::lastHealthCheck),
            Map.entry("registeredAt", SeededNode::registeredAt));

    private static String database;
    private static PGSimpleDataSource server;
    private static Connection connection;
    private static NodeRegistry registry;

    @BeforeAll
    static void seedOwnDatabase() throws SQLException {
        var url = System.getProperty("spring.datasource.url");
        var user = System.getProperty("spring.datasource.username", "postgres");
        var password = System.getProperty("spring.datasource.password", "");
        database = "registry_seed_" + HexFormat.of().toHexDigits(new Random().nextInt());
        try (var admin = DriverManager.getConnection(url, user, password); var st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + database + " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
        }
        server = new PGSimpleDataSource();
        server.setUrl(url);
        server.setUser(user);
        server.setPassword(password);
        server.setDatabaseName(database);
        Flyway.configure().dataSource(server).locations("classpath:db/migration").load().migrate();
        connection = server.getConnection();
        RegistrySeed.load(connection, SEED);
        registry = new NodeRegistry(JdbcClient.create(new SingleConnectionDataSource(connection, true)));
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        if (connection != null) {
            connection.close();
        }
        if (database != null) {
            var url = System.getProperty("spring.datasource.url");
            try (var admin = DriverManager.getConnection(url, System.getProperty("spring.datasource.username",
                    "postgres"), System.getProperty("spring.datasource.password", ""));
                    var st = admin.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }

    @Test
    void seedHasTheSpreadOfARealNetworkAndTheRealCohorts() {
        var jdbc = JdbcClient.create(new SingleConnectionDataSource(connection, true));
        assertThat(jdbc.sql("SELECT count(*) FROM nodes").query(Long.class).single()).isEqualTo(NODES);
        record Stored(String nodeId, String cohort, int bucket) {}
        var stored = jdbc.sql("SELECT node_id, cohort, bucket FROM node_versions")
                .query((rs, i) -> new Stored(rs.getString(1), rs.getString(2), rs.getInt(3)))
                .list();
        assertThat(stored).hasSize(NODES).allSatisfy(s -> {
            assertThat(s.bucket()).isEqualTo(CohortAssignment.bucket(s.nodeId()));
            assertThat(s.cohort()).isEqualTo(CohortAssignment.assign(s.nodeId(), RolloutConfig.DEFAULT).wireName());
        });
        var cohorts = stored.stream().collect(Collectors.groupingBy(Stored::cohort, Collectors.counting()));
        assertThat(cohorts).containsOnlyKeys("canary", "cohort1", "cohort2", "cohort3", "cohort4");
        assertThat(cohorts.get("canary")).isBetween(NODES * 2L / 100, NODES * 8L / 100); // 5 % of the buckets

        assertThat(count(n -> n.tier() == Tier.ALL)).isBetween(NODES * 60L / 100, NODES * 80L / 100);
        assertThat(count(n -> n.tier() == Tier.GUARDIAN)).isBetween(NODES * 5L / 100, NODES * 15L / 100);
        assertThat(count(n -> n.status() == NodeStatus.SUSPENDED)).isBetween(NODES / 100L, NODES * 6L / 100);
        assertThat(count(n -> n.healthStatus() == null)).isBetween(NODES / 100L, NODES * 8L / 100);
        assertThat(count(n -> "degraded".equals(n.healthStatus()))).isPositive();
        assertThat(SEED.stream().map(SeededNode::currentVersion).distinct().count()).isGreaterThanOrEqualTo(8);
        assertThat(SEED).allSatisfy(n -> assertThat(n.hostname()).matches("[a-z]{3}-[aog]\\d{5}\\.[a-z]+-\\d+\\.net"));
        assertThat(SEED.stream().map(SeededNode::registeredAt).min(Comparator.naturalOrder()).orElseThrow())
                .isBefore(NOW.minusSeconds(300L * 24 * 3600));
        assertThat(RegistrySeed.generate(50, 42, NOW)).usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(SEED.subList(0, 50));
    }

    static Stream<Arguments> sorts() {
        return SORT_KEYS.keySet().stream().sorted().flatMap(p -> Stream.of(Arguments.of(p, false), Arguments.of(p, true)));
    }

    @ParameterizedTest(name = "{0} descending={1}")
    @MethodSource("sorts")
    void sortsEveryColumnBothWaysWithNullsLastAndStablePages(String property, boolean descending) {
        var expected = SEED.stream().sorted(order(property, descending)).map(SeededNode::nodeId).toList();
        var first = registry.find(query(null, null, null, null, null, 0, 50, property, descending));
        var eighth = registry.find(query(null, null, null, null, null, 7, 50, property, descending));
        assertThat(first.total()).isEqualTo(NODES);
        assertThat(ids(first)).isEqualTo(expected.subList(0, 50));
        assertThat(ids(eighth)).isEqualTo(expected.subList(350, 400));
        var last = registry.find(query(null, null, null, null, null, NODES / 300, 300, property, descending));
        assertThat(ids(last)).isEqualTo(expected.subList(NODES / 300 * 300, NODES));
    }

    @Test
    void everyTierStatusHealthVersionAndCohortFilterCountsTheSeededNodes() {
        for (var tier : Tier.values()) {
            assertTotal(query(tier, null, null, null, null, 0, 10, null, false), n -> n.tier() == tier);
        }
        for (var status : NodeStatus.values()) {
            assertTotal(query(null, status, null, null, null, 0, 10, null, false), n -> n.status() == status);
        }
        for (var health : List.of("healthy", "degraded", "unhealthy")) {
            assertTotal(query(null, null, health, null, null, 0, 10, null, false),
                    n -> health.equals(n.healthStatus()));
        }
        assertTotal(query(null, null, "unknown", null, null, 0, 10, null, false), n -> n.healthStatus() == null);
        SEED.stream().map(SeededNode::currentVersion).filter(v -> v != null).distinct().forEach(version ->
                assertTotal(query(null, null, null, version, null, 0, 10, null, false),
                        n -> version.equals(n.currentVersion())));
        for (var cohort : Cohort.values()) {
            var page = registry.find(new NodeQuery(null, null, null, null, cohort.wireName(), null, 0, 500, null,
                    false));
            assertThat(page.total()).isEqualTo(count(n -> n.cohort() == cohort)).isPositive();
            assertThat(page.items()).allSatisfy(n -> assertThat(n.cohort()).isEqualTo(cohort.wireName()));
        }
    }

    @Test
    void versionsInUseAreTheSeededOnesNewestFirst() {
        var seeded = SEED.stream().map(SeededNode::currentVersion).filter(v -> v != null).distinct().toList();
        assertThat(SEED).anySatisfy(n -> assertThat(n.currentVersion()).isNull());
        assertThat(registry.versionsInUse()).containsExactlyInAnyOrderElementsOf(seeded)
                .startsWith("3.2.0", "3.1.4", "3.1.3", "2.5.0");
    }

    @Test
    void cohortCombinesWithTheOtherFiltersAndASort() {
        var query = new NodeQuery(Tier.ORACLE, NodeStatus.ACTIVE, "healthy", "1.8.2", "cohort3", null, 0, 500,
                "registeredAt", true);
        var expected = SEED.stream()
                .filter(n -> n.tier() == Tier.ORACLE && n.status() == NodeStatus.ACTIVE
                        && "healthy".equals(n.healthStatus()) && "1.8.2".equals(n.currentVersion())
                        && n.cohort() == Cohort.COHORT3)
                .sorted(order("registeredAt", true)).map(SeededNode::nodeId).toList();
        assertThat(expected).isNotEmpty();
        assertThat(ids(registry.find(query))).isEqualTo(expected);
    }

    @Test
    void searchMatchesSubstringsOfNodeIdOrHostIgnoringCase() {
        var idPart = SEED.get(7).nodeId().substring(9, 12);
        for (var text : List.of("SGP-", idPart, "vault-3", "no-such-host")) {
            var needle = text.toLowerCase(Locale.ROOT);
            Predicate<SeededNode> matches = n -> n.nodeId().contains(needle) || n.hostname().contains(needle);
            var expected = SEED.stream().filter(matches).sorted(order("nodeId", false)).map(SeededNode::nodeId)
                    .toList();
            assertThat(allPages(null, null, text, "nodeId", false, 97)).as(text).isEqualTo(expected);
        }
        assertThat(SEED.stream().filter(n -> n.nodeId().contains(idPart)).count()).isPositive();
    }

    @Test
    void combinesTierHealthAndSearchWithASortAcrossPages() {
        Predicate<SeededNode> matches = n -> n.tier() == Tier.ALL && "healthy".equals(n.healthStatus())
                && n.hostname().startsWith("fra-");
        var expected = SEED.stream().filter(matches).sorted(order("lastHealthCheck", true)).map(SeededNode::nodeId)
                .toList();
        assertThat(expected).hasSizeGreaterThan(40);
        assertThat(allPages(Tier.ALL, "healthy", "fra-", "lastHealthCheck", true, 20)).isEqualTo(expected);
    }

    private static NodeQuery query(@Nullable Tier tier, @Nullable NodeStatus status, @Nullable String health,
            @Nullable String version, @Nullable String text, int page, int size, @Nullable String sort,
            boolean descending) {
        return new NodeQuery(tier, status, health, version, null, text, page, size, sort, descending);
    }

    private static List<String> allPages(@Nullable Tier tier, @Nullable String health, String text, String sort,
            boolean descending, int size) {
        var ids = new ArrayList<String>();
        for (int page = 0; ; page++) {
            var result = registry.find(query(tier, null, health, null, text, page, size, sort, descending));
            ids.addAll(ids(result));
            if (result.items().size() < size) {
                assertThat(result.total()).isEqualTo(ids.size());
                return ids;
            }
        }
    }

    private static void assertTotal(NodeQuery query, Predicate<SeededNode> matches) {
        var page = registry.find(query);
        assertThat(page.total()).as(query.toString()).isEqualTo(count(matches)).isPositive();
    }

    private static long count(Predicate<SeededNode> matches) {
        return SEED.stream().filter(matches).count();
    }

    private static List<String> ids(NodePage page) {
        return page.items().stream().map(NodeSummary::nodeId).toList();
    }

    /** The registry's order: the property (nulls last either way), then the node id, both in the same direction. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Comparator<SeededNode> order(String property, boolean descending) {
        Function<SeededNode, Comparable> key = (Function) SORT_KEYS.get(property);
        Comparator<Comparable> direction = descending ? Comparator.reverseOrder() : Comparator.naturalOrder();
        Comparator<SeededNode> byId = Comparator.comparing(SeededNode::nodeId);
        return Comparator.comparing(key, Comparator.nullsLast(direction))
                .thenComparing(descending ? byId.reversed() : byId);
    }
}
