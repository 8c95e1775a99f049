package network.noderr.controlplane.health;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * DESIGN §4: a node that has not reported for {@code silentIntervals} report intervals is unhealthy. A report sets a
 * node's health when it arrives; silence sends none, so this job, once a minute on one replica, marks the nodes whose
 * latest report (by its own timestamp, as the rollout counts judge it) is that old and announces them, so the
 * registry, the Overview, the {@code noderr_nodes} metric and open screens show it. The node's next report classifies
 * it again. Nodes that never reported keep no classification ("never reported"). Silence counts only once the
 * control plane has been taking reports for a whole window ({@link ReportingWindow}).
 */
@Component
class SilentNodes {

    private static final Logger log = LoggerFactory.getLogger(SilentNodes.class);
    private static final int BATCH = 5_000;

    private final JdbcClient jdbc;
    private final ReportingWindow reporting;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    SilentNodes(JdbcClient jdbc, ReportingWindow reporting, Clock clock, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.reporting = reporting;
        this.clock = clock;
        this.events = events;
    }

    @Scheduled(fixedDelayString = "${noderr.health.silence-check-interval:PT1M}", initialDelayString = "PT20S")
    @SchedulerLock(name = "health-silence", lockAtMostFor = "PT5M")
    void check() {
        // Nothing while the control plane has not been taking reports for a whole window (ReportingWindow).
        reporting.silentSince(clock.instant()).ifPresent(this::markSilentSince);
    }

    /** Marks nodes whose latest report is at or before {@code silentSince} unhealthy; returns them. */
    Set<String> markSilentSince(Instant silentSince) {
        var marked = new HashSet<String>();
        int found;
        do {
            // Batches keep each transaction short; a report that arrives meanwhile moves last_health_check on and
            // the row no longer matches.
            var ids = jdbc.sql("""
                            UPDATE node_versions SET health_status = :unhealthy, updated_at = now()
                            WHERE node_id IN (
                                SELECT node_id FROM node_versions
                                WHERE last_health_check <= :silent AND health_status IS DISTINCT FROM :unhealthy
                                LIMIT :batch)
                              AND last_health_check <= :silent
                            RETURNING node_id""")
                    .param("unhealthy", HealthStatus.UNHEALTHY.wireName())
                    .param("silent", Timestamp.from(silentSince))
                    .param("batch", BATCH)
                    .query(String.class)
                    .set();
            found = ids.size();
            marked.addAll(ids);
        } while (found == BATCH);
        if (!marked.isEmpty()) {
            log.info("{} nodes marked unhealthy: no health report since {}", marked.size(), silentSince);
            events.publishEvent(new HealthReported(Set.copyOf(marked), Set.copyOf(marked)));
        }
        return marked;
    }
}
