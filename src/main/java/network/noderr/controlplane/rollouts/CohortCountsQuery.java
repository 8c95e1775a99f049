package network.noderr.controlplane.rollouts;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import network.noderr.controlplane.health.ReportingWindow;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.CohortCounts;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Per-cohort counts for a rollout, from the node registry, the latest health and the update reports. A node that has
 * been silent for the configured number of report intervals counts as unhealthy (once the control plane itself has
 * been taking reports that long: {@link ReportingWindow}). Nodes are placed by their bucket
 * under the rollout's own config; update attempts count nodes (each node's latest report), not reports, and only nodes
 * the rollout had told to update (its active cohorts).
 */
@Component
class CohortCountsQuery {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final ReportingWindow reporting;

    CohortCountsQuery(JdbcClient jdbc, Clock clock, ReportingWindow reporting) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.reporting = reporting;
    }

    /**
     * The counts of a rollout's cohorts. A node's cohort is its bucket's under the rollout's config (the one
     * cohort function), so the counts follow the rollout that is asked about; a node without a bucket keeps its
     * stored cohort. Update attempts count only nodes that were due to update: see {@link #DUE_ATTEMPTS}.
     */
    Map<Cohort, CohortCounts> counts(UUID rolloutId, Tier tier, Rollout rollout) {
        // No node counts as silent until the control plane has been taking reports for a whole silence window
        // (ReportingWindow): after an outage of its own, silence is not the release's fault.
        var silentSince = Timestamp.from(reporting.silentSince(clock.instant()).orElse(Instant.EPOCH));
        var result = new EnumMap<Cohort, CohortCounts>(Cohort.class);
        for (var cohort : Cohort.values()) {
            result.put(cohort, CohortCounts.EMPTY);
        }
        var config = rollout.config();
        jdbc.sql("""
                        SELECT v.bucket, v.cohort, count(*) AS nodes,
                            count(*) FILTER (WHERE v.current_version = :target) AS updated,
                            count(*) FILTER (WHERE v.current_version = :target AND v.health_status = 'healthy'
                                AND v.last_health_check > :silent) AS healthy,
                            count(*) FILTER (WHERE v.current_version = :target AND (v.health_status = 'unhealthy'
                                OR coalesce(v.last_health_check, n.registered_at) <= :silent)) AS unhealthy,
                            count(*) FILTER (WHERE v.current_version <> :target
                                AND v.current_version <> :none) AS baseline_nodes,
                            count(*) FILTER (WHERE v.current_version <> :target AND v.current_version <> :none
                                AND (v.health_status = 'unhealthy'
                                    OR coalesce(v.last_health_check, n.registered_at) <= :silent)) AS baseline_unhealthy
                        FROM node_versions v JOIN nodes n ON n.node_id = v.node_id
                        WHERE n.tier = :tier AND n.status = 'ACTIVE'
                        GROUP BY v.bucket, v.cohort""")
                .param("target", rollout.targetVersion())
                .param("none", NO_VERSION)
                .param("silent", silentSince)
                .param("tier", tier.name())
                .query((rs, i) -> {
                    var cohort = cohort(rs, config);
                    result.merge(cohort, new CohortCounts(rs.getLong("nodes"), rs.getLong("updated"),
                            rs.getLong("healthy"), rs.getLong("unhealthy"), 0, 0, 0, 0, rs.getLong("baseline_nodes"),
                            rs.getLong("baseline_unhealthy")), CohortCounts::plus);
                    return cohort;
                })
                .list();
        // Distinct operators do not add up over buckets: collect them per cohort. Same rule as "unhealthy" above.
        var unhealthyOperators = operatorSets();
        jdbc.sql("""
                        SELECT DISTINCT v.bucket, v.cohort, %s AS operator
                        FROM node_versions v JOIN nodes n ON n.node_id = v.node_id
                        WHERE n.tier = :tier AND n.status = 'ACTIVE' AND v.current_version = :target
                            AND (v.health_status = 'unhealthy'
                                OR coalesce(v.last_health_check, n.registered_at) <= :silent)""".formatted(OPERATOR))
                .param("target", rollout.targetVersion())
                .param("silent", silentSince)
                .param("tier", tier.name())
                .query((rs, i) -> unhealthyOperators.get(cohort(rs, config)).add(rs.getString("operator")))
                .list();
        var failureOperators = operatorSets();
        if (rollout.activatedThrough() >= 0) { // else no cohort was ever due: no update report counts
            dueAttempts("""
                            SELECT a.bucket, a.cohort, count(*) AS attempts,
                                count(*) FILTER (WHERE a.failed) AS failures
                            FROM (%s) a GROUP BY a.bucket, a.cohort""", rolloutId, tier, rollout)
                    .query((rs, i) -> {
                        var cohort = cohort(rs, config);
                        result.merge(cohort, new CohortCounts(0, 0, 0, 0, rs.getLong("attempts"),
                                rs.getLong("failures"), 0, 0), CohortCounts::plus);
                        return cohort;
                    })
                    .list();
            dueAttempts("SELECT DISTINCT a.bucket, a.cohort, a.operator FROM (%s) a WHERE a.failed", rolloutId, tier,
                    rollout)
                    .query((rs, i) -> failureOperators.get(cohort(rs, config)).add(rs.getString("operator")))
                    .list();
        }
        result.replaceAll((cohort, k) -> k.withOperators(unhealthyOperators.get(cohort).size(),
                failureOperators.get(cohort).size()));
        return result;
    }

    /**
     * The version a node reports while it runs no release (the agent's label for a node without a container): such a
     * node runs no earlier release to compare with.
     */
    static final String NO_VERSION = "unknown";

    /**
     * A node's operator: its application (set when it registered with one of the application's install tokens), or,
     * for a node without one, the node itself.
     */
    private static final String OPERATOR =
            "coalesce('application:' || n.application_id::text, 'node:' || n.node_id)";

    private static Map<Cohort, Set<String>> operatorSets() {
        var sets = new EnumMap<Cohort, Set<String>>(Cohort.class);
        for (var cohort : Cohort.values()) {
            sets.put(cohort, new HashSet<>());
        }
        return sets;
    }

    /** A rollout's update attempts and failures over all its cohorts, by the rule of {@link #counts}. */
    record Attempts(long attempts, long failures) {}

    Attempts attempts(UUID rolloutId, Tier tier, Rollout rollout) {
        if (rollout.activatedThrough() < 0) {
            return new Attempts(0, 0);
        }
        return dueAttempts("""
                        SELECT count(*) AS attempts, count(*) FILTER (WHERE a.failed) AS failures FROM (%s) a""",
                rolloutId, tier, rollout)
                .query((rs, i) -> new Attempts(rs.getLong("attempts"), rs.getLong("failures")))
                .single();
    }

    /**
     * One row per node that counts as an update attempt of the rollout: its bucket, its cohort (for a node without a
     * bucket), whether it failed, and its operator ({@link #OPERATOR}). One node is one attempt: its latest report
     * for this rollout counts (a node that failed, retried and succeeded has succeeded), so one node retrying a
     * failing update cannot push a cohort over the error rate on its own. Only a node that was due to update counts: an active node of the rollout's
     * tier whose cohort the rollout has activated (cohorts are contiguous bucket ranges, so that is a bucket below
     * the active bound). A node outside the active cohorts was never told to update, so whatever it reports about
     * the target (which the API stores) does not count toward the rollout's error rate.
     */
    private static final String DUE_ATTEMPTS = """
            SELECT v.bucket, coalesce(v.cohort, r.cohort) AS cohort, r.result <> 'SUCCEEDED' AS failed,
                %s AS operator
            FROM (SELECT DISTINCT ON (node_id) node_id, cohort, result FROM update_reports
                  WHERE deployment_id = :id ORDER BY node_id, reported_at DESC, id DESC) r
                JOIN nodes n ON n.node_id = r.node_id AND n.tier = :tier AND n.status = 'ACTIVE'
                LEFT JOIN node_versions v ON v.node_id = r.node_id
            WHERE CASE WHEN v.bucket IS NOT NULL THEN v.bucket < :bound
                       ELSE coalesce(v.cohort, r.cohort) IN (:activeCohorts) END""";

    private org.springframework.jdbc.core.simple.JdbcClient.StatementSpec dueAttempts(String outer, UUID rolloutId,
            Tier tier, Rollout rollout) {
        return jdbc.sql(outer.formatted(DUE_ATTEMPTS.formatted(OPERATOR)))
                .param("id", rolloutId)
                .param("tier", tier.name())
                .param("bound", rollout.config().activeBucketBound(rollout.activatedThrough()))
                .param("activeCohorts", rollout.activeCohorts().stream().map(Cohort::wireName).toList());
    }

    private static Cohort cohort(ResultSet rs, RolloutConfig config) throws SQLException {
        int bucket = rs.getInt("bucket");
        return rs.wasNull() ? Cohort.fromWireName(rs.getString("cohort")) : CohortAssignment.cohortOf(bucket, config);
    }
}
