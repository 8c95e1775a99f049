package network.noderr.controlplane.nodes;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The plans of the SQL the registry runs for a query, for the registry benchmark's {@code explain=1}. Runs the real
 * {@link NodeRegistry} on the given connection, records each statement with its bound values (the PostgreSQL
 * driver prints a prepared statement as SQL with literals), then runs {@code EXPLAIN (ANALYZE, BUFFERS)} on each.
 */
public final class RegistryQueryPlans {

    private RegistryQueryPlans() {}

    /** One plan per statement the query ran (the count, then the page), each headed by its SQL. */
    public static List<String> explain(Connection connection, NodeQuery query) throws SQLException {
        var statements = new ArrayList<String>();
        var recording = (Connection) Proxy.newProxyInstance(RegistryQueryPlans.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    var result = call(method, connection, args);
                    return result instanceof PreparedStatement ps ? recording(ps, statements) : result;
                });
        new NodeRegistry(JdbcClient.create(new SingleConnectionDataSource(recording, true))).find(query);
        var plans = new ArrayList<String>();
        try (var st = connection.createStatement()) {
            for (var sql : statements) {
                var plan = new StringBuilder(sql.strip()).append("\n");
                try (var rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
                    while (rs.next()) {
                        plan.append("  ").append(rs.getString(1)).append('\n');
                    }
                }
                plans.add(plan.toString());
            }
        }
        return plans;
    }

    private static PreparedStatement recording(PreparedStatement statement, List<String> statements) {
        return (PreparedStatement) Proxy.newProxyInstance(RegistryQueryPlans.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("execute") && (args == null || args.length == 0)) {
                        statements.add(statement.toString());
                    }
                    return call(method, statement, args);
                });
    }

    private static Object call(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
