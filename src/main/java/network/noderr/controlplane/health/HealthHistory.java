package network.noderr.controlplane.health;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.jspecify.annotations.Nullable;
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
    private final HealthThresholds thresholds;
    private final Clock clock;

    HealthHistory(JdbcClient jdbc, HealthThresholds thresholds, Clock clock) {
        this.jdbc = jdbc;
        this.thresholds = thresholds;
        this.clock = clock;
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

    /**
     * Why the node has the health the registry shows: the limits its latest report is at or over and, when it is
     * unhealthy without such a report, how long it has been silent (DESIGN §4). Empty when there is no such node.
     */
    public java.util.Optional<HealthExplanation> explain(String nodeId) {
        record Registry(@Nullable String status, @Nullable Timestamp lastReport) {}
        return jdbc.sql("SELECT health_status, last_health_check FROM node_versions WHERE node_id = ?")
                .param(nodeId)
                .query((rs, i) -> new Registry(rs.getString(1), rs.getTimestamp(2)))
                .optional()
                .map(row -> explain(nodeId, row.status(), row.lastReport()));
    }

    private HealthExplanation explain(String nodeId, @Nullable String status, @Nullable Timestamp last) {
        if (status == null || status.equals(HealthStatus.HEALTHY.wireName())) {
            return new HealthExplanation(status, List.of());
        }
        var reasons = new ArrayList<String>();
        var latest = latest(nodeId, 1);
        var sample = latest.isEmpty() ? null : sample(latest.getFirst());
        if (status.equals(HealthStatus.UNHEALTHY.wireName()) && last != null && (sample == null
                || HealthClassifier.classify(sample, thresholds) != HealthStatus.UNHEALTHY)) {
            reasons.add(silence(Duration.between(last.toInstant(), clock.instant())));
        }
        if (sample != null) {
            reasons.addAll(HealthClassifier.reasons(sample, thresholds));
        }
        return new HealthExplanation(status, List.copyOf(reasons));
    }

    private String silence(Duration silent) {
        var limit = thresholds.reportInterval().multipliedBy(thresholds.silentIntervals());
        return "no report for " + span(silent) + " (unhealthy after " + span(limit) + " without one)";
    }

    /** "40 s", "17 min", "3 h 5 min", "2 days 4 h": the two largest units, rounded down. */
    static String span(Duration d) {
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        if (d.toDays() > 0) {
            var days = d.toDays() + (d.toDays() == 1 ? " day" : " days");
            return days + (d.toHoursPart() > 0 ? " " + d.toHoursPart() + " h" : "");
        }
        if (d.toHours() > 0) {
            return d.toHours() + " h" + (d.toMinutesPart() > 0 ? " " + d.toMinutesPart() + " min" : "");
        }
        return d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    private static HealthClassifier.Sample sample(StoredHealthReport r) {
        return new HealthClassifier.Sample(r.cpu() == null ? 0 : r.cpu().doubleValue(),
                r.memory() == null ? 0 : r.memory().doubleValue(), r.errors());
    }
}
