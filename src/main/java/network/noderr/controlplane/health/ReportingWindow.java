package network.noderr.controlplane.health;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * When silence counts. A node is silent (unhealthy, DESIGN §4) after {@code silentIntervals} report intervals without a
 * report; but while every replica of the control plane, or its database, was down, nodes reported into the void
 * (they buffer and deliver later). Counting that as the nodes' silence would, right after an outage of 15 minutes,
 * make every node look dead and roll back a healthy rollout automatically. So every replica beats into one row every
 * {@code noderr.health.heartbeat-interval}; a beat after a gap longer than {@code noderr.health.outage-gap} starts a
 * new period of availability, and until that period is a whole silence window long no node counts as silent. Nodes
 * that report in that time are classified by their reports as usual.
 */
@Component
public class ReportingWindow {

    private static final Logger log = LoggerFactory.getLogger(ReportingWindow.class);

    private final JdbcClient jdbc;
    private final HealthThresholds thresholds;
    private final Clock clock;
    private final Duration outageGap;

    ReportingWindow(JdbcClient jdbc, HealthThresholds thresholds, Clock clock,
            @Value("${noderr.health.outage-gap:PT1M}") Duration outageGap,
            @Value("${noderr.health.heartbeat-interval:PT15S}") Duration heartbeatInterval) {
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()
                || heartbeatInterval.multipliedBy(3).compareTo(outageGap) > 0) {
            // Beats further apart than the gap would each start a new period: no node would ever count as silent.
            throw new IllegalArgumentException("noderr.health.heartbeat-interval (" + heartbeatInterval
                    + ") must be positive and at most a third of noderr.health.outage-gap (" + outageGap + ")");
        }
        this.jdbc = jdbc;
        this.thresholds = thresholds;
        this.clock = clock;
        this.outageGap = outageGap;
    }

    /** Every replica, without a lock: one single-row upsert. */
    @Scheduled(fixedDelayString = "${noderr.health.heartbeat-interval:PT15S}")
    void beat() {
        beat(clock.instant());
    }

    /** Records that the control plane is taking reports at {@code now}; returns the start of the current period. */
    Instant beat(Instant at) {
        var now = at.truncatedTo(ChronoUnit.MICROS); // as PostgreSQL stores it, so that a new period is recognised
        var since = jdbc.sql("""
                        INSERT INTO health_reporting_heartbeat AS h (id, available_since, last_beat)
                        VALUES (1, :now, :now)
                        ON CONFLICT (id) DO UPDATE SET
                            available_since = CASE WHEN h.last_beat < CAST(:gapStart AS TIMESTAMPTZ) THEN :now
                                                   ELSE h.available_since END,
                            last_beat = GREATEST(h.last_beat, :now)
                        RETURNING available_since""")
                .param("now", Timestamp.from(now))
                .param("gapStart", Timestamp.from(now.minus(outageGap)))
                .query(Timestamp.class)
                .single()
                .toInstant();
        if (since.equals(now)) {
            log.info("Taking health reports since {}: nodes count as silent from {} on", now, now.plus(window()));
        }
        return since;
    }

    /**
     * The latest report time at or before which a node counts as silent at {@code now}, or empty when no node does:
     * the control plane has not been taking reports for a whole silence window (just started, or back from an outage
     * of itself or its database).
     */
    public Optional<Instant> silentSince(Instant now) {
        var cutoff = now.minus(window());
        // A last beat older than the gap means a gap now (this replica's first beat may not have run yet): the beat
        // that ends it starts a new period.
        var counts = jdbc.sql("""
                        SELECT available_since <= :cutoff AND last_beat >= :gapStart
                        FROM health_reporting_heartbeat WHERE id = 1""")
                .param("cutoff", Timestamp.from(cutoff))
                .param("gapStart", Timestamp.from(now.minus(outageGap)))
                .query(Boolean.class)
                .optional()
                .orElse(false);
        return counts ? Optional.of(cutoff) : Optional.empty();
    }

    /** How long a node may go without a report before it counts as silent. */
    public Duration window() {
        return thresholds.reportInterval().multipliedBy(thresholds.silentIntervals());
    }
}
