package network.noderr.controlplane.health;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * Why a report classifies as it does by its metrics: one line per metric at or over a limit, those over the
     * unhealthy limit first; empty exactly when {@link #classify(Sample, HealthThresholds)} says healthy.
     */
    public static List<String> reasons(Sample s, HealthThresholds t) {
        var unhealthy = new ArrayList<String>();
        var degraded = new ArrayList<String>();
        percent("CPU", s.cpu(), t, unhealthy, degraded);
        percent("memory", s.memory(), t, unhealthy, degraded);
        var errors = s.errors() + (s.errors() == 1 ? " error" : " errors") + " in the report";
        if (s.errors() >= t.unhealthyErrors()) {
            unhealthy.add(errors + " (unhealthy from " + t.unhealthyErrors() + ")");
        } else if (s.errors() > 0) {
            degraded.add(errors + " (degraded from 1)");
        }
        unhealthy.addAll(degraded);
        return List.copyOf(unhealthy);
    }

    private static void percent(String what, double value, HealthThresholds t, List<String> unhealthy,
            List<String> degraded) {
        if (value >= t.unhealthyPercent()) {
            unhealthy.add(what + " " + number(value) + " % (unhealthy from " + number(t.unhealthyPercent()) + " %)");
        } else if (value >= t.degradedPercent()) {
            degraded.add(what + " " + number(value) + " % (degraded from " + number(t.degradedPercent()) + " %)");
        }
    }

    /** At most one decimal, and none when whole; never rounded up to a limit it is under (94.96 is "94.9"). */
    static String number(double value) {
        return BigDecimal.valueOf(value).setScale(1, RoundingMode.FLOOR).stripTrailingZeros().toPlainString();
    }
}
