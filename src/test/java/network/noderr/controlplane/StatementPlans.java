package network.noderr.controlplane;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The plans of the statements real code runs: hands the code a {@link JdbcClient} that records each statement with
 * its bound values (the PostgreSQL driver prints a prepared statement as SQL with literals), then runs
 * {@code EXPLAIN} on each.
 */
public final class StatementPlans {

    private StatementPlans() {}

    /** One plan per statement {@code code} ran, each headed by its SQL. */
    public static List<String> explain(DataSource dataSource, Consumer<JdbcClient> code) throws SQLException {
        try (var connection = dataSource.getConnection()) {
            return explain(connection, "EXPLAIN ", code);
        }
    }

    /**
     * One plan per statement {@code code} ran on {@code connection}, each headed by its SQL; {@code explain} is the
     * command put before each ({@code "EXPLAIN (ANALYZE, BUFFERS) "} runs them).
     */
    public static List<String> explain(Connection connection, String explain, Consumer<JdbcClient> code)
            throws SQLException {
        var statements = new ArrayList<String>();
        var recording = (Connection) Proxy.newProxyInstance(StatementPlans.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    var result = call(method, connection, args);
                    return result instanceof PreparedStatement ps ? recording(ps, statements) : result;
                });
        code.accept(JdbcClient.create(new SingleConnectionDataSource(recording, true)));
        var plans = new ArrayList<String>();
        try (var st = connection.createStatement()) {
            for (var sql : statements) {
                var plan = new StringBuilder(sql.strip()).append("\n");
                try (var rs = st.executeQuery(explain + sql)) {
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
        return (PreparedStatement) Proxy.newProxyInstance(StatementPlans.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("execute") && (args == null || args.length == 0)) {
                        // The driver's own statement: a pool's wrapper prints itself, not the SQL.
                        statements.add(statement.unwrap(org.postgresql.PGStatement.class).toString());
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
