package network.noderr.controlplane.overview;

import java.time.Instant;
import java.util.List;
import network.noderr.controlplane.alerts.AlertView;
import network.noderr.controlplane.rollouts.RolloutView;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;

/**
 * The whole fleet at a glance.
 *
 * @param health health of all nodes, suspended ones included (they keep their last classification)
 * @param tiers every tier, including tiers without nodes
 * @param openRollouts unfinished rollouts (at most one per tier)
 * @param recentAlerts the latest alerts, firing first
 * @param sequence the live change sequence this overview was computed at
 */
public record Overview(
        long totalNodes,
        long activeNodes,
        long suspendedNodes,
        @NonNull HealthCounts health,
        @NonNull List<@NonNull TierOverview> tiers,
        @NonNull List<@NonNull RolloutView> openRollouts,
        long firingAlerts,
        @NonNull List<@NonNull AlertView> recentAlerts,
        long sequence,
        @NonNull Instant computedAt) {

    /** Nodes per health classification; {@code unknown} never reported. */
    public record HealthCounts(long healthy, long degraded, long unhealthy, long unknown) {

        static final HealthCounts NONE = new HealthCounts(0, 0, 0, 0);

        HealthCounts plus(HealthCounts o) {
            return new HealthCounts(healthy + o.healthy, degraded + o.degraded, unhealthy + o.unhealthy,
                    unknown + o.unknown);
        }
    }

    /** One tier: its nodes, their health and the versions they run (most common first). */
    public record TierOverview(
            @NonNull Tier tier,
            long nodes,
            long suspended,
            @NonNull HealthCounts health,
            @NonNull List<@NonNull VersionCount> versions) {}

    /** How many nodes of a tier run one version. */
    public record VersionCount(@NonNull String label, @NonNull Kind kind, long nodes) {

        public enum Kind {
            /** {@code label} is a version. */
            VERSION,
            /** Nodes that have not reported a version yet. */
            NOT_REPORTED,
            /** The less common versions beyond the ones listed, together. */
            OTHERS
        }
    }
}
