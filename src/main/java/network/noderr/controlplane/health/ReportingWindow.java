package network.noderr.controlplane.health;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
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
 *
 * <p>The replicas and the database can be up while the reports do not reach them: a load balancer or its network is
 * down, for every node or most of them. So the beats also carry when a replica last stored a report from any node.
 * When a fleet of at least {@code noderr.health.ingress-min-nodes} nodes that reported in the last day has sent
 * nothing for a report interval plus the outage gap, or fewer than {@link #ARRIVING_SHARE} of it has reported in that
 * time, every beat starts a new period, as in an outage of the control plane: a fleet does not go silent all at once,
 * its reports stop arriving. Fewer nodes than that could all really be down, so for them silence counts as before.
 */
@Component
public class ReportingWindow {

    private static final Logger log = LoggerFactory.getLogger(ReportingWindow.class);

    private final JdbcClient jdbc;
    private final HealthThresholds thresholds;
    private final Clock clock;
    private final Duration outageGap;
    private final int ingressMinNodes;
    private final Supplier<Optional<Instant>> lastReport;
    private volatile boolean reportsStopped;

    @Autowired
    ReportingWindow(JdbcClient jdbc, HealthThresholds thresholds, Clock clock, HealthIngest ingest,
            @Value("${noderr.health.outage-gap:PT1M}") Duration outageGap,
            @Value("${noderr.health.heartbeat-interval:PT15S}") Duration heartbeatInterval,
            @Value("${noderr.health.ingress-min-nodes:10}") int ingressMinNodes) {
        this(jdbc, thresholds, clock, ingest::lastCommitted, outageGap, heartbeatInterval, ingressMinNodes);
    }

    /** {@code lastReport}: when this replica last stored a health report. */
    ReportingWindow(JdbcClient jdbc, HealthThresholds thresholds, Clock clock,
            Supplier<Optional<Instant>> lastReport, Duration outageGap, Duration heartbeatInterval,
            int ingressMinNodes) {
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()
                || heartbeatInterval.multipliedBy(3).compareTo(outageGap) > 0) {
            // Beats further apart than the gap would each start a new period: no node would ever count as silent.
            throw new IllegalArgumentException("noderr.health.heartbeat-interval (" + heartbeatInterval
                    + ") must be positive and at most a third of noderr.health.outage-gap (" + outageGap + ")");
        }
        if (ingressMinNodes < 0) {
            throw new IllegalArgumentException(
                    "noderr.health.ingress-min-nodes (" + ingressMinNodes + ") must be 0 (off) or more");
        }
        this.jdbc = jdbc;
        this.thresholds = thresholds;
        this.clock = clock;
        this.lastReport = lastReport;
        this.outageGap = outageGap;
        this.ingressMinNodes = ingressMinNodes;
    }

    /** Every replica, without a lock: one single-row upsert. */
    @Scheduled(fixedDelayString = "${noderr.health.heartbeat-interval:PT15S}")
    void beat() {
        beat(clock.instant());
    }

    /**
     * Records that the control plane is taking reports at {@code now}, and when this replica last stored one;
     * returns the start of the current period.
     */
    Instant beat(Instant at) {
        var now = at.truncatedTo(ChronoUnit.MICROS); // as PostgreSQL stores it, so that a new period is recognised
        var stored = lastReport.get().map(t -> Timestamp.from(t.truncatedTo(ChronoUnit.MICROS))).orElse(null);
        // Reports stopped arriving: nothing from any node for longer than a node waits between two reports.
        var reportGapStart = now.minus(thresholds.reportInterval()).minus(outageGap);
        var beat = jdbc.sql("""
                        WITH fleet AS (
                            SELECT count(*) AS expected,
                                   count(*) FILTER (WHERE v.last_health_check > CAST(:reportGapStart AS TIMESTAMPTZ))
                                       AS recent
                            FROM node_versions v JOIN nodes n ON n.node_id = v.node_id
                            WHERE n.status = 'ACTIVE' AND v.last_health_check > CAST(:fleetStart AS TIMESTAMPTZ)),
                        reports AS (
                            SELECT :minNodes > 0 AND f.expected >= :minNodes
                                   AND (COALESCE(GREATEST(
                                                (SELECT last_report FROM health_reporting_heartbeat WHERE id = 1),
                                                CAST(:lastReport AS TIMESTAMPTZ)), '-infinity')
                                            < CAST(:reportGapStart AS TIMESTAMPTZ)
                                        OR f.recent < f.expected * :arrivingShare) AS stopped
                            FROM fleet f)
                        INSERT INTO health_reporting_heartbeat AS h (id, available_since, last_beat, last_report)
                        VALUES (1, :now, :now, :lastReport)
                        ON CONFLICT (id) DO UPDATE SET
                            available_since = CASE
                                WHEN h.last_beat < CAST(:gapStart AS TIMESTAMPTZ) OR (SELECT stopped FROM reports)
                                    THEN :now
                                ELSE h.available_since END,
                            last_beat = GREATEST(h.last_beat, :now),
                            last_report = GREATEST(h.last_report, CAST(:lastReport AS TIMESTAMPTZ))
                        RETURNING available_since, (SELECT stopped FROM reports) AS stopped,
                            (SELECT expected FROM fleet) AS expected, (SELECT recent FROM fleet) AS recent""")
                .param("now", Timestamp.from(now))
                .param("gapStart", Timestamp.from(now.minus(outageGap)))
                .param("lastReport", stored, Types.TIMESTAMP)
                .param("reportGapStart", Timestamp.from(reportGapStart))
                .param("minNodes", ingressMinNodes)
                .param("fleetStart", Timestamp.from(now.minus(FLEET_LOOKBACK)))
                .param("arrivingShare", ARRIVING_SHARE)
                .query((rs, i) -> new Beat(rs.getTimestamp("available_since").toInstant(), rs.getBoolean("stopped"),
                        rs.getLong("expected"), rs.getLong("recent")))
                .single();
        var since = beat.availableSince();
        if (beat.reportsStopped() && !reportsStopped) {
            log.warn("{} of the {} nodes that reported in the last day have reported in the last {}: the reports are "
                    + "not reaching the control plane (load balancer or network?); no node counts as silent until "
                    + "they have arrived again for {}", beat.reporting(), beat.fleet(),
                    thresholds.reportInterval().plus(outageGap), window());
        } else if (!beat.reportsStopped() && reportsStopped) {
            log.info("Health reports arrive again: nodes count as silent from {} on", since.plus(window()));
        } else if (!beat.reportsStopped() && since.equals(now)) {
            log.info("Taking health reports since {}: nodes count as silent from {} on", now, now.plus(window()));
        }
        reportsStopped = beat.reportsStopped();
        return since;
    }

    private record Beat(Instant availableSince, boolean reportsStopped, long fleet, long reporting) {}

    /** The fleet that should be reporting: active nodes that reported in this time (not ones long gone). */
    static final Duration FLEET_LOOKBACK = Duration.ofDays(1);

    /**
     * Below this share of that fleet reporting in a report interval plus the outage gap, the reports are not
     * reaching the control plane (a load balancer, a region's network), not falling silent one by one: a rollout
     * changes a cohort at a time (at most a quarter of a tier by default), so a release does not silence most of the
     * fleet at once.
     */
    static final double ARRIVING_SHARE = 0.2;

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
