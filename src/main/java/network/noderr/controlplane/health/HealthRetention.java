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

/** Keeps health reports for 30 days: deletes older ones in small batches, hourly, on one replica. */
@Component
class HealthRetention {

    static final Duration RETENTION = Duration.ofDays(30);
    private static final int BATCH = 10_000;

    private final JdbcClient jdbc;
    private final Clock clock;

    HealthRetention(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
    @SchedulerLock(name = "health-retention", lockAtMostFor = "PT30M")
    void prune() {
        pruneOlderThan(clock.instant().minus(RETENTION));
    }

    /** Deletes reports older than {@code cutoff}; returns how many. */
    long pruneOlderThan(java.time.Instant cutoff) {
        return BatchedDelete.delete(jdbc, "health_reports", "id", "reported_at < :cutoff",
                Map.of("cutoff", Timestamp.from(cutoff)), BATCH);
    }
}
