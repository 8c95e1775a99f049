package network.noderr.controlplane.rollouts;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import network.noderr.controlplane.rollouts.engine.RolloutEngine;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Rollout and fleet metrics: {@code noderr_nodes{tier,version,health}}, {@code noderr_rollout_phase{tier,phase}}
 * (1 for the current phase), {@code noderr_rollbacks_total{tier,kind}}, {@code noderr_version_query_seconds}
 * (a histogram: p50/p99 via histogram_quantile). Gauges are refreshed by {@link RolloutReconciler}.
 */
@Component
class RolloutMetrics {

    private final MeterRegistry registry;
    private final JdbcClient jdbc;
    private final MultiGauge nodes;
    private final MultiGauge phases;
    private final Timer versionQuery;

    RolloutMetrics(MeterRegistry registry, JdbcClient jdbc) {
        this.registry = registry;
        this.jdbc = jdbc;
        this.nodes = MultiGauge.builder("noderr.nodes")
                .description("Registered active nodes by tier, current version and health")
                .register(registry);
        this.phases = MultiGauge.builder("noderr.rollout.phase")
                .description("1 for each tier's current rollout phase")
                .register(registry);
        this.versionQuery = Timer.builder("noderr.version.query")
                .description("Time to answer GET /api/v1/version/{nodeId}")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1).dividedBy(10))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        // Every counter from the start, at 0: a series that appears at 1 shows no increase() in Prometheus, so the
        // first rollback after a start would be missing from the rollbacks per hour.
        for (var tier : Tier.values()) {
            for (var kind : new String[] {"automatic", "manual"}) {
                rollbacks(tier, kind);
            }
        }
    }

    Timer versionQuery() {
        return versionQuery;
    }

    void rollback(Tier tier, String kind) {
        rollbacks(tier, kind).increment();
    }

    private Counter rollbacks(Tier tier, String kind) {
        return Counter.builder("noderr.rollbacks").tag("tier", tier.name()).tag("kind", kind)
                .description("Rollouts rolled back (automatic or manual)")
                .register(registry);
    }

    void refresh(Rollouts rollouts) {
        var rows = new ArrayList<MultiGauge.Row<?>>();
        jdbc.sql("""
                        SELECT n.tier, COALESCE(v.current_version, 'none') AS version,
                               COALESCE(v.health_status, 'unknown') AS health, count(*) AS n
                        FROM nodes n LEFT JOIN node_versions v ON v.node_id = n.node_id
                        WHERE n.status = 'ACTIVE' GROUP BY 1, 2, 3""")
                .query((rs, i) -> MultiGauge.Row.of(
                        Tags.of("tier", rs.getString(1), "version", rs.getString(2), "health", rs.getString(3)),
                        rs.getLong(4)))
                .list()
                .forEach(rows::add);
        nodes.register(rows, true);
        var phaseRows = new ArrayList<MultiGauge.Row<?>>();
        // An emergency rollback in force rolls the tier back, also when its rollout had completed (which keeps
        // that status).
        var rolledBack = jdbc.sql("SELECT tier FROM tier_emergencies").query(String.class).set();
        for (var tier : Tier.values()) {
            rollouts.current(tier).ifPresent(view -> {
                var current = rolledBack.contains(tier.name()) ? RolloutEngine.Phase.ROLLED_BACK.wireName()
                        : view.phase();
                for (var phase : RolloutEngine.Phase.values()) {
                    phaseRows.add(MultiGauge.Row.of(Tags.of("tier", tier.name(), "phase", phase.wireName()),
                            phase.wireName().equals(current) ? 1 : 0));
                }
            });
        }
        phases.register(phaseRows, true);
    }
}
