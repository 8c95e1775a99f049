package network.noderr.controlplane.health;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Management API: a node's latest health reports, newest first (in the order they were stored). */
@RestController
class HealthHistoryController {

    /** One stored report; {@code reportedAt} is the node's clock, {@code receivedAt} the control plane's. */
    record StoredReport(String version, long uptime, @Nullable BigDecimal cpu, @Nullable BigDecimal memory,
            @Nullable BigDecimal disk, int errors, Instant reportedAt, Instant receivedAt) {}

    private final JdbcClient jdbc;

    HealthHistoryController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/api/v1/admin/nodes/{nodeId}/health")
    @PreAuthorize("hasRole('VIEWER')")
    List<StoredReport> history(@PathVariable String nodeId, @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidRequestException("limit", "must be 1 to 1000");
        }
        return jdbc.sql("""
                        SELECT version, uptime, cpu_usage, memory_usage, disk_usage, error_count, reported_at,
                               received_at
                        FROM health_reports WHERE node_id = ? ORDER BY id DESC LIMIT ?""")
                .params(nodeId, limit)
                .query((rs, i) -> new StoredReport(rs.getString(1), rs.getLong(2), rs.getBigDecimal(3),
                        rs.getBigDecimal(4), rs.getBigDecimal(5), rs.getInt(6),
                        rs.getTimestamp(7).toInstant(), rs.getTimestamp(8).toInstant()))
                .list();
    }
}
