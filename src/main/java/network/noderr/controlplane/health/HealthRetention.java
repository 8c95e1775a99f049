package network.noderr.controlplane.health;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import network.noderr.controlplane.shared.BatchedDelete;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps health reports for {@code noderr.health.retention} (30 days by default): deletes older ones in small batches,
 * hourly, on one replica.
 */
@Component
class HealthRetention {

    private static final int BATCH = 10_000;

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration retention;

    HealthRetention(JdbcClient jdbc, Clock clock, HealthRetentionSettings settings) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.retention = settings.retention();
    }

    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
    @SchedulerLock(name = "health-retention", lockAtMostFor = "PT30M")
    void prune() {
        pruneOlderThan(clock.instant().minus(retention));
    }

    /** Deletes reports older than {@code cutoff}; returns how many. */
    long pruneOlderThan(java.time.Instant cutoff) {
        return BatchedDelete.delete(jdbc, "health_reports", "id", "reported_at < :cutoff",
                Map.of("cutoff", Timestamp.from(cutoff)), BATCH);
    }
}
