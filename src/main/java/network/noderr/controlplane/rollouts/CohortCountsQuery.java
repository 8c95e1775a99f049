package network.noderr.controlplane.rollouts;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import network.noderr.controlplane.health.ReportingWindow;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.CohortCounts;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Per-cohort counts for a rollout, from the node registry, the latest health and the update reports. A node that has
 * been silent for the configured number of report intervals counts as unhealthy (once the control plane itself has
 * been taking reports that long: {@link ReportingWindow}). Nodes are placed by their bucket
 * under the rollout's own config; update attempts count nodes (each node's latest report), not reports.
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
     * stored cohort.
     */
    Map<Cohort, CohortCounts> counts(UUID rolloutId, Tier tier, String targetVersion, RolloutConfig config) {
        // No node counts as silent until the control plane has been taking reports for a whole silence window
        // (ReportingWindow): after an outage of its own, silence is not the release's fault.
        var silentSince = Timestamp.from(reporting.silentSince(clock.instant()).orElse(Instant.EPOCH));
        var result = new EnumMap<Cohort, CohortCounts>(Cohort.class);
        for (var cohort : Cohort.values()) {
            result.put(cohort, CohortCounts.EMPTY);
        }
        jdbc.sql("""
                        SELECT v.bucket, v.cohort, count(*) AS nodes,
                            count(*) FILTER (WHERE v.current_version = :target) AS updated,
                            count(*) FILTER (WHERE v.current_version = :target AND v.health_status = 'healthy'
                                AND v.last_health_check > :silent) AS healthy,
                            count(*) FILTER (WHERE v.current_version = :target AND (v.health_status = 'unhealthy'
                                OR coalesce(v.last_health_check, n.registered_at) <= :silent)) AS unhealthy
                        FROM node_versions v JOIN nodes n ON n.node_id = v.node_id
                        WHERE n.tier = :tier AND n.status = 'ACTIVE'
                        GROUP BY v.bucket, v.cohort""")
                .param("target", targetVersion)
                .param("silent", silentSince)
                .param("tier", tier.name())
                .query((rs, i) -> {
                    var cohort = cohort(rs, config);
                    result.merge(cohort, new CohortCounts(rs.getLong("nodes"), rs.getLong("updated"),
                            rs.getLong("healthy"), rs.getLong("unhealthy"), 0, 0), CohortCounts::plus);
                    return cohort;
                })
                .list();
        // One node is one update attempt: its latest report for this rollout counts (a node that failed, retried
        // and succeeded has succeeded), so one node retrying a failing update cannot push a cohort over the
        // error rate on its own.
        jdbc.sql("""
                        SELECT v.bucket, coalesce(v.cohort, r.cohort) AS cohort, count(*) AS attempts,
                            count(*) FILTER (WHERE r.result <> 'SUCCEEDED') AS failures
                        FROM (SELECT DISTINCT ON (node_id) node_id, cohort, result FROM update_reports
                              WHERE deployment_id = :id ORDER BY node_id, reported_at DESC, id DESC) r
                            LEFT JOIN node_versions v ON v.node_id = r.node_id
                        WHERE v.bucket IS NOT NULL OR coalesce(v.cohort, r.cohort) IS NOT NULL
                        GROUP BY v.bucket, coalesce(v.cohort, r.cohort)""")
                .param("id", rolloutId)
                .query((rs, i) -> {
                    var cohort = cohort(rs, config);
                    result.merge(cohort, new CohortCounts(0, 0, 0, 0, rs.getLong("attempts"), rs.getLong("failures")),
                            CohortCounts::plus);
                    return cohort;
                })
                .list();
        return result;
    }

    private static Cohort cohort(ResultSet rs, RolloutConfig config) throws SQLException {
        int bucket = rs.getInt("bucket");
        return rs.wasNull() ? Cohort.fromWireName(rs.getString("cohort")) : CohortAssignment.cohortOf(bucket, config);
    }
}
