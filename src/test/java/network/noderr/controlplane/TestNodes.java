package network.noderr.controlplane;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Seeds registered nodes straight into the database, for registry tests that need many of them. */
public final class TestNodes {

    private TestNodes() {}

    public static void insert(JdbcClient jdbc, String nodeId, String tier) {
        jdbc.sql("""
                        INSERT INTO nodes (node_id, tier, hostname, public_key, key_type)
                        VALUES (:id, :tier, :host, :key, 'SOFTWARE')""")
                .param("id", nodeId)
                .param("tier", tier)
                .param("host", "host-" + nodeId)
                .param("key", UUID.randomUUID().toString().getBytes())
                .update();
    }

    /** A registered node of the tier running {@code version} in {@code cohort}. */
    public static void insertRunning(JdbcClient jdbc, String nodeId, String tier, String version, String cohort) {
        insert(jdbc, nodeId, tier);
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort)
                        VALUES (:id, :tier, :v, :cohort)""")
                .param("id", nodeId).param("tier", tier).param("v", version).param("cohort", cohort).update();
    }

    /** Removes a node inserted by this class, with its version row. */
    public static void delete(JdbcClient jdbc, String nodeId) {
        jdbc.sql("DELETE FROM node_versions WHERE node_id = :id").param("id", nodeId).update();
        jdbc.sql("DELETE FROM nodes WHERE node_id = :id").param("id", nodeId).update();
    }

    /** A registered node of the tier running {@code version} in {@code cohort}, unhealthy as of now. */
    public static void insertUnhealthy(JdbcClient jdbc, String nodeId, String tier, String version, String cohort) {
        insert(jdbc, nodeId, tier);
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                            last_health_check) VALUES (:id, :tier, :v, :cohort, 'unhealthy', :at)""")
                .param("id", nodeId).param("tier", tier).param("v", version).param("cohort", cohort)
                .param("at", java.sql.Timestamp.from(java.time.Instant.now())).update();
    }
}
