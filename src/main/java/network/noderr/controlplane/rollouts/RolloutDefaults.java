package network.noderr.controlplane.rollouts;

import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The limits a new rollout starts with (DESIGN §4 defaults); each rollout's own can be changed while it runs
 * ({@code PUT /api/v1/admin/rollouts/{id}/thresholds}).
 */
@ConfigurationProperties("noderr.rollouts.thresholds")
public record RolloutDefaults(
        @DefaultValue("0.10") double maxUnhealthyRatio,
        @DefaultValue("0.05") double maxErrorRate,
        @DefaultValue("0.90") double gateMinUpdatedRatio,
        @DefaultValue("3") int minSample,
        @DefaultValue("2") int minOperators) {

    public RolloutDefaults {
        // refuses values outside 0..1 (and a minimum sample or of operators outside 1..1,000,000) at start
        thresholds(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio, minSample, minOperators);
    }

    RolloutThresholds thresholds() {
        return thresholds(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio, minSample, minOperators);
    }

    private static RolloutThresholds thresholds(double unhealthy, double errors, double gate, int minSample,
            int minOperators) {
        return new RolloutThresholds(unhealthy, errors, gate, minSample, minOperators);
    }
}
