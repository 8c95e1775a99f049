package network.noderr.controlplane.health;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long health reports are kept ({@code health_reports} is the one table that grows with time: about 200 bytes a
 * report with its indexes, one report per node and report interval).
 *
 * @param retention how long a report is kept after its node's timestamp (default 30 days); older ones are deleted by
 *     an hourly job, and the node API refuses buffered reports older than this (they would be deleted at once). At
 *     least {@link #MIN_RETENTION}: the node details screen shows a node's latest 120 reports (10 hours at the
 *     default 5-minute interval), and a node that was offline for a day keeps its buffered reports of that day
 */
@ConfigurationProperties("noderr.health")
public record HealthRetentionSettings(@DefaultValue("P30D") Duration retention) {

    /** The shortest retention accepted. */
    public static final Duration MIN_RETENTION = Duration.ofDays(1);

    public static final HealthRetentionSettings DEFAULT = new HealthRetentionSettings(Duration.ofDays(30));

    public HealthRetentionSettings {
        if (retention.compareTo(MIN_RETENTION) < 0) {
            throw new IllegalArgumentException("noderr.health.retention must be at least P1D (the node details "
                    + "screen's latest 120 reports, a day of buffered reports), was " + retention);
        }
    }
}
