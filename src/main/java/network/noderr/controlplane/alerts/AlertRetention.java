package network.noderr.controlplane.alerts;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import network.noderr.controlplane.shared.BatchedDelete;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes resolved alerts once they have been resolved longer than {@code noderr.alerts.retention} (30 days by
 * default): every flap of a per-node alert is a new row, so without it the table only grows. Firing alerts are kept
 * however old. Hourly, in small batches, on one replica.
 */
@Component
class AlertRetention {

    private static final int BATCH = 10_000;

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration retention;

    AlertRetention(JdbcClient jdbc, Clock clock, @Value("${noderr.alerts.retention:P30D}") Duration retention) {
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("noderr.alerts.retention must be positive, not " + retention);
        }
        this.jdbc = jdbc;
        this.clock = clock;
        this.retention = retention;
    }

    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT2M")
    @SchedulerLock(name = "alert-retention", lockAtMostFor = "PT30M")
    void prune() {
        pruneResolvedBefore(clock.instant().minus(retention));
    }

    /**
     * Deletes the alerts resolved before {@code cutoff} (ended then, and not heard of since); returns how many. Reads
     * the {@code (status, last_received_at)} index.
     */
    long pruneResolvedBefore(Instant cutoff) {
        return BatchedDelete.delete(jdbc, "alerts", "id", """
                status = 'resolved' AND last_received_at < :cutoff AND (ends_at IS NULL OR ends_at < :cutoff)""",
                Map.of("cutoff", Timestamp.from(cutoff)), BATCH);
    }
}
