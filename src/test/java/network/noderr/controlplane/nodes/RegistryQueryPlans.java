package network.noderr.controlplane.nodes;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import network.noderr.controlplane.StatementPlans;

/**
 * The plans of the SQL the registry runs for a query, for the registry benchmark's {@code explain=1}: the real
 * {@link NodeRegistry} on the given connection, each statement run with {@code EXPLAIN (ANALYZE, BUFFERS)}.
 */
public final class RegistryQueryPlans {

    private RegistryQueryPlans() {}

    /** One plan per statement the query ran (the count, then the page), each headed by its SQL. */
    public static List<String> explain(Connection connection, NodeQuery query) throws SQLException {
        return StatementPlans.explain(connection, "EXPLAIN (ANALYZE, BUFFERS) ",
                jdbc -> new NodeRegistry(jdbc).find(query));
    }
}
