package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import network.noderr.controlplane.bench.RegistrySeed;
import network.noderr.controlplane.bench.RegistrySeed.SeededNode;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.shared.Tier;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The batched re-assignment a rollout start runs, over the registry benchmark's seed in a database of its own:
 * after it, every node of the tier is in {@link CohortAssignment#cohortOf} of its bucket under the new config (the
 * one Java function; the database only applies its 100-bucket table), other tiers are untouched, and only nodes
 * whose cohort changes are written. {@code -Dnoderr.test.cohort-seed-nodes=100000} runs it at the benchmark's size.
 */
class TierCohortsSeedTest {

    private static final int NODES = Integer.getInteger("noderr.test.cohort-seed-nodes", 3_000);
    private static final List<SeededNode> SEED = RegistrySeed.generate(NODES, 7, Instant.parse("2026-11-23T12:00:00Z"));

    private static String database;
    private static Connection connection;
    private static JdbcClient jdbc;

    @BeforeAll
    static void seedOwnDatabase() throws SQLException {
        var url = System.getProperty("spring.datasource.url");
        database = "cohort_seed_" + HexFormat.of().toHexDigits(new Random().nextInt());
        try (var admin = DriverManager.getConnection(url, user(), password()); var st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        }
        var server = new PGSimpleDataSource();
        server.setUrl(url);
        server.setUser(user());
        server.setPassword(password());
        server.setDatabaseName(database);
        Flyway.configure().dataSource(server).locations("classpath:db/migration").load().migrate();
        connection = server.getConnection();
        RegistrySeed.load(connection, SEED);
        jdbc = JdbcClient.create(new SingleConnectionDataSource(connection, true));
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        if (connection != null) {
            connection.close();
        }
        if (database != null) {
            try (var admin = DriverManager.getConnection(System.getProperty("spring.datasource.url"), user(),
                    password()); var st = admin.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }

    static Stream<Arguments> configs() {
        // In order: each starts from the cohorts the previous one left.
        return Stream.of(
                Arguments.of(Tier.ALL, new RolloutConfig(10, 10, 24)),
                Arguments.of(Tier.ALL, new RolloutConfig(0, 33, 12)),
                Arguments.of(Tier.GUARDIAN, new RolloutConfig(20, 20, 48)),
                Arguments.of(Tier.ALL, new RolloutConfig(10, 10, 24)),
                Arguments.of(Tier.ALL, RolloutConfig.DEFAULT),
                Arguments.of(Tier.GUARDIAN, RolloutConfig.DEFAULT));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void reassignPutsEveryNodeOfTheTierInItsBucketsCohortUnderTheConfig(Tier tier, RolloutConfig config) {
        var before = cohorts();
        long expectedChanges = SEED.stream()
                .filter(n -> n.tier() == tier)
                .filter(n -> !before.get(n.nodeId()).equals(
                        CohortAssignment.cohortOf(n.bucket(), config).wireName()))
                .count();

        long start = System.nanoTime();
        var cohorts = new TierCohorts(jdbc, new RolloutRepository(jdbc), new DataSourceTransactionManager(
                new SingleConnectionDataSource(connection, true)));
        int changed = 0;
        int batches = 0;
        int batch;
        do {
            batch = cohorts.reassignBatch(tier, config, TierCohorts.BATCH);
            changed += batch;
            batches++;
        } while (batch == TierCohorts.BATCH);
        System.out.printf("re-assigned %s (%d of %,d nodes changed cohort, %d batches) in %.0f ms%n", tier, changed,
                NODES, batches, (System.nanoTime() - start) / 1e6);

        assertThat(changed).as("only nodes whose cohort changes are written").isEqualTo(expectedChanges);
        var after = cohorts();
        for (var node : SEED) {
            var expected = node.tier() == tier
                    ? CohortAssignment.cohortOf(node.bucket(), config).wireName()
                    : before.get(node.nodeId());
            assertThat(after.get(node.nodeId())).as("%s %s bucket %d", node.tier(), node.nodeId(), node.bucket())
                    .isEqualTo(expected);
        }
    }

    private static Map<String, String> cohorts() {
        var result = new HashMap<String, String>();
        jdbc.sql("SELECT node_id, cohort FROM node_versions")
                .query(rs -> {
                    result.put(rs.getString(1), rs.getString(2));
                });
        return result;
    }

    private static String user() {
        return System.getProperty("spring.datasource.username", "postgres");
    }

    private static String password() {
        return System.getProperty("spring.datasource.password", "");
    }
}
