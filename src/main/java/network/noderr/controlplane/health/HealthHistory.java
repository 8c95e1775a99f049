package network.noderr.controlplane.health;

import java.util.List;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * A node's latest health reports, newest first by the time the node reported them: the order of the
 * {@code (node_id, reported_at DESC)} index, so a page reads only its rows instead of sorting the node's 30 days.
 */
@Service
public class HealthHistory {

    public static final int MAX_LIMIT = 1000;

    static final String LATEST = """
            SELECT version, uptime, cpu_usage, memory_usage, disk_usage, error_count, reported_at, received_at
            FROM health_reports WHERE node_id = ? ORDER BY reported_at DESC LIMIT ?""";

    private final JdbcClient jdbc;

    HealthHistory(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Whether a node of this id is registered (in any status). */
    public boolean registered(String nodeId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM nodes WHERE node_id = :id)").param("id", nodeId)
                .query(Boolean.class).single();
    }

    public List<StoredHealthReport> latest(String nodeId, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException("limit", "must be 1 to " + MAX_LIMIT);
        }
        return jdbc.sql(LATEST)
                .params(nodeId, limit)
                .query((rs, i) -> new StoredHealthReport(rs.getString(1), rs.getLong(2), rs.getBigDecimal(3),
                        rs.getBigDecimal(4), rs.getBigDecimal(5), rs.getInt(6),
                        rs.getTimestamp(7).toInstant(), rs.getTimestamp(8).toInstant()))
                .list();
    }
}
