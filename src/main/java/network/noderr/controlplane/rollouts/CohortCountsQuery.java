package network.noderr.controlplane.rollouts;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import network.noderr.controlplane.health.HealthThresholds;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortCounts;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Per-cohort counts for a rollout, from the node registry, the latest health and the update reports. A node that has
 * been silent for the configured number of report intervals counts as unhealthy.
 */
@Component
class CohortCountsQuery {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final HealthThresholds health;

    CohortCountsQuery(JdbcClient jdbc, Clock clock, HealthThresholds health) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.health = health;
    }

    Map<Cohort, CohortCounts> counts(UUID rolloutId, Tier tier, String targetVersion) {
        var silentSince = Timestamp.from(
                clock.instant().minus(health.reportInterval().multipliedBy(health.silentIntervals())));
        record Row(String cohort, long nodes, long updated, long healthy, long unhealthy) {}
        var rows = jdbc.sql("""
                        SELECT v.cohort, count(*) AS nodes,
                            count(*) FILTER (WHERE v.current_version = :target) AS updated,
                            count(*) FILTER (WHERE v.current_version = :target AND v.health_status = 'healthy'
                                AND v.last_health_check > :silent) AS healthy,
                            count(*) FILTER (WHERE v.current_version = :target AND (v.health_status = 'unhealthy'
                                OR coalesce(v.last_health_check, n.registered_at) <= :silent)) AS unhealthy
                        FROM node_versions v JOIN nodes n ON n.node_id = v.node_id
                        WHERE n.tier = :tier AND n.status = 'ACTIVE'
                        GROUP BY v.cohort""")
                .param("target", targetVersion)
                .param("silent", silentSince)
                .param("tier", tier.name())
                .query((rs, i) -> new Row(rs.getString("cohort"), rs.getLong("nodes"), rs.getLong("updated"),
                        rs.getLong("healthy"), rs.getLong("unhealthy")))
                .list();
        record Updates(String cohort, long attempts, long failures) {}
        var updates = jdbc.sql("""
                        SELECT cohort, count(*) AS attempts, count(*) FILTER (WHERE result <> 'SUCCEEDED') AS failures
                        FROM update_reports WHERE deployment_id = :id AND cohort IS NOT NULL GROUP BY cohort""")
                .param("id", rolloutId)
                .query((rs, i) -> new Updates(rs.getString(1), rs.getLong(2), rs.getLong(3)))
                .list();
        var result = new EnumMap<Cohort, CohortCounts>(Cohort.class);
        for (var cohort : Cohort.values()) {
            result.put(cohort, CohortCounts.EMPTY);
        }
        for (var row : rows) {
            result.put(Cohort.fromWireName(row.cohort()),
                    new CohortCounts(row.nodes(), row.updated(), row.healthy(), row.unhealthy(), 0, 0));
        }
        for (var u : updates) {
            var cohort = Cohort.fromWireName(u.cohort());
            var c = result.get(cohort);
            result.put(cohort, new CohortCounts(c.nodes(), c.updated(), c.healthy(), c.unhealthy(), u.attempts(),
                    u.failures()));
        }
        return result;
    }
}
