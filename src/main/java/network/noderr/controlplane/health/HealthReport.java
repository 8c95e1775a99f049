package network.noderr.controlplane.health;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One health report as a node sends it (DESIGN §3). Its checks are written out by hand ({@link #collectErrors}):
 * they run for every report of every batch, where Bean Validation cost a noticeable share of the ingest's CPU.
 */
public record HealthReport(
        @Nullable String nodeId,
        @Nullable String version,
        @Nullable Metrics metrics,
        @Nullable Instant timestamp) {

    /** Percentages are 0-100; uptime in seconds; errors since the previous report. */
    public record Metrics(
            @Nullable Long uptime,
            @Nullable Double cpu,
            @Nullable Double memory,
            @Nullable Double disk,
            @Nullable Integer errors) {

        void collectErrors(String prefix, Map<String, String> errors) {
            if (uptime == null) {
                errors.put(prefix + "uptime", "must not be null");
            } else if (uptime < 0) {
                errors.put(prefix + "uptime", "must be greater than or equal to 0");
            }
            percent(prefix + "cpu", cpu, true, errors);
            percent(prefix + "memory", memory, true, errors);
            percent(prefix + "disk", disk, false, errors);
            if (this.errors == null) {
                errors.put(prefix + "errors", "must not be null");
            } else if (this.errors < 0 || this.errors > 1_000_000) {
                errors.put(prefix + "errors", "must be between 0 and 1000000");
            }
        }

        private static void percent(String field, @Nullable Double value, boolean required,
                Map<String, String> errors) {
            if (value == null) {
                if (required) {
                    errors.put(field, "must not be null");
                }
            } else if (!(value >= 0 && value <= 100)) { // also refuses NaN
                errors.put(field, "must be between 0 and 100");
            }
        }
    }

    /** Adds a message per invalid field, named {@code prefix + path} (e.g. {@code [3].metrics.cpu}). */
    void collectErrors(String prefix, Map<String, String> errors) {
        text(prefix + "nodeId", nodeId, 64, errors);
        text(prefix + "version", version, 50, errors);
        if (metrics == null) {
            errors.put(prefix + "metrics", "must not be null");
        } else {
            metrics.collectErrors(prefix + "metrics.", errors);
        }
        if (timestamp == null) {
            errors.put(prefix + "timestamp", "must not be null");
        }
    }

    private static void text(String field, @Nullable String value, int max, Map<String, String> errors) {
        if (value == null || value.isBlank()) {
            errors.put(field, "must not be blank");
        } else if (value.length() > max) {
            errors.put(field, "size must be between 0 and " + max);
        } else if (network.noderr.controlplane.shared.Texts.hasControlCharacters(value)) {
            errors.put(field, "must not contain control characters");
        }
    }
}
