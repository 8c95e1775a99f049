package network.noderr.controlplane.rollouts;

import java.util.List;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A tier to a test of its own in the shared test database: the active nodes other tests left in it are suspended
 * (suspended nodes do not count in a rollout) and reinstated afterwards.
 */
final class TierIsolation {

    private final JdbcClient jdbc;
    private final List<String> suspended;

    private TierIsolation(JdbcClient jdbc, List<String> suspended) {
        this.jdbc = jdbc;
        this.suspended = suspended;
    }

    /** Suspends the tier's active nodes. */
    static TierIsolation of(JdbcClient jdbc, Tier tier) {
        return new TierIsolation(jdbc, jdbc.sql("""
                        UPDATE nodes SET status = 'SUSPENDED' WHERE tier = :tier AND status = 'ACTIVE'
                        RETURNING node_id""")
                .param("tier", tier.name())
                .query(String.class)
                .list());
    }

    /** Reinstates the nodes {@link #of} suspended. */
    void restore() {
        if (!suspended.isEmpty()) {
            jdbc.sql("UPDATE nodes SET status = 'ACTIVE' WHERE node_id IN (:ids)").param("ids", suspended).update();
        }
    }
}
