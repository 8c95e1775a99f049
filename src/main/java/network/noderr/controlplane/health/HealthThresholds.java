package network.noderr.controlplane.health;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Health classification limits (DESIGN §4 defaults): unhealthy when silent for {@code silentIntervals} report
 * intervals, or cpu/memory at or above the unhealthy percentage, or at least {@code unhealthyErrors} errors in the
 * last report; degraded at or above the degraded percentages or with any error.
 */
@ConfigurationProperties("noderr.health")
public record HealthThresholds(
        @DefaultValue("PT5M") Duration reportInterval,
        @DefaultValue("3") int silentIntervals,
        @DefaultValue("95") double unhealthyPercent,
        @DefaultValue("85") double degradedPercent,
        @DefaultValue("10") int unhealthyErrors) {

    public static final HealthThresholds DEFAULT = new HealthThresholds(Duration.ofMinutes(5), 3, 95, 85, 10);

    public HealthThresholds {
        if (reportInterval.isNegative() || reportInterval.isZero() || silentIntervals < 1) {
            throw new IllegalArgumentException("report interval and silent intervals must be positive");
        }
        if (!(degradedPercent <= unhealthyPercent) || unhealthyErrors < 1) {
            throw new IllegalArgumentException("degraded % must not exceed unhealthy %; unhealthyErrors >= 1");
        }
    }
}
