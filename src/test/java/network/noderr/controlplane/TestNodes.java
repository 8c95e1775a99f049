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
}
