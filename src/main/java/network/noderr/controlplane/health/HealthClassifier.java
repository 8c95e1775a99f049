package network.noderr.controlplane.health;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** Classifies a node from its latest report and how long ago it came (pure; the clock is an argument). */
public final class HealthClassifier {

    private HealthClassifier() {}

    /** The metrics of one report that classification looks at. */
    public record Sample(double cpu, double memory, long errors) {}

    /**
     * @param latest the node's latest report, or null when it never reported
     * @param reportedAt when that report was made
     */
    public static HealthStatus classify(
            @Nullable Sample latest, @Nullable Instant reportedAt, Instant now, HealthThresholds t) {
        if (latest == null || reportedAt == null) {
            return HealthStatus.UNHEALTHY;
        }
        var silence = Duration.between(reportedAt, now);
        if (silence.compareTo(t.reportInterval().multipliedBy(t.silentIntervals())) >= 0) {
            return HealthStatus.UNHEALTHY;
        }
        return classify(latest, t);
    }

    /** Classification of a report by its metrics alone (at ingest time). */
    public static HealthStatus classify(Sample s, HealthThresholds t) {
        if (s.cpu() >= t.unhealthyPercent() || s.memory() >= t.unhealthyPercent() || s.errors() >= t.unhealthyErrors()) {
            return HealthStatus.UNHEALTHY;
        }
        if (s.cpu() >= t.degradedPercent() || s.memory() >= t.degradedPercent() || s.errors() > 0) {
            return HealthStatus.DEGRADED;
        }
        return HealthStatus.HEALTHY;
    }
}
