package network.noderr.controlplane.overview;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import network.noderr.controlplane.nodes.NodeCount;
import network.noderr.controlplane.nodes.NodeStatus;
import network.noderr.controlplane.overview.Overview.HealthCounts;
import network.noderr.controlplane.overview.Overview.TierOverview;
import network.noderr.controlplane.overview.Overview.VersionCount;
import network.noderr.controlplane.shared.Tier;

/**
 * Folds the registry's aggregate rows into per-tier figures: every node in the node counts, the active ones only in
 * the health and version figures. Pure: no database, no clock.
 */
final class FleetCounts {

    /** Versions listed per tier; the rest are summed into one "other versions" entry. */
    static final int VERSIONS_PER_TIER = 6;

    record Totals(long total, long active, long suspended, HealthCounts health, List<TierOverview> tiers) {}

    private FleetCounts() {}

    static Totals of(List<NodeCount> rows) {
        var nodes = new EnumMap<Tier, Long>(Tier.class);
        var suspended = new EnumMap<Tier, Long>(Tier.class);
        var health = new EnumMap<Tier, HealthCounts>(Tier.class);
        var versions = new EnumMap<Tier, Map<String, Long>>(Tier.class);
        var notReported = new EnumMap<Tier, Long>(Tier.class);
        for (var row : rows) {
            var tier = row.tier();
            nodes.merge(tier, row.nodes(), Long::sum);
            if (row.status() == NodeStatus.SUSPENDED) {
                // Out of service: counted as suspended only. Its health and version are from before (a retired
                // machine's forever), not the fleet's now.
                suspended.merge(tier, row.nodes(), Long::sum);
                continue;
            }
            health.merge(tier, health(row), HealthCounts::plus);
            if (row.version() == null) {
                notReported.merge(tier, row.nodes(), Long::sum);
            } else {
                versions.computeIfAbsent(tier, t -> new HashMap<>()).merge(row.version(), row.nodes(), Long::sum);
            }
        }
        var tiers = new ArrayList<TierOverview>();
        long total = 0;
        long totalSuspended = 0;
        var totalHealth = HealthCounts.NONE;
        for (var tier : Tier.values()) {
            long n = nodes.getOrDefault(tier, 0L);
            long s = suspended.getOrDefault(tier, 0L);
            var h = health.getOrDefault(tier, HealthCounts.NONE);
            tiers.add(new TierOverview(tier, n, s, h,
                    versions(versions.getOrDefault(tier, Map.of()), notReported.getOrDefault(tier, 0L))));
            total += n;
            totalSuspended += s;
            totalHealth = totalHealth.plus(h);
        }
        return new Totals(total, total - totalSuspended, totalSuspended, totalHealth, List.copyOf(tiers));
    }

    private static HealthCounts health(NodeCount row) {
        long n = row.nodes();
        return switch (row.health() == null ? "unknown" : row.health()) {
            case "healthy" -> new HealthCounts(n, 0, 0, 0);
            case "degraded" -> new HealthCounts(0, n, 0, 0);
            case "unhealthy" -> new HealthCounts(0, 0, n, 0);
            default -> new HealthCounts(0, 0, 0, n);
        };
    }

    /** Most common first (ties by version text, so the order is stable), then others, then not reported. */
    private static List<VersionCount> versions(Map<String, Long> byVersion, long notReported) {
        var sorted = byVersion.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .toList();
        var result = new ArrayList<VersionCount>();
        long others = 0;
        for (int i = 0; i < sorted.size(); i++) {
            var e = sorted.get(i);
            if (i < VERSIONS_PER_TIER) {
                result.add(new VersionCount(e.getKey(), VersionCount.Kind.VERSION, e.getValue()));
            } else {
                others += e.getValue();
            }
        }
        if (others > 0) {
            result.add(new VersionCount("other versions", VersionCount.Kind.OTHERS, others));
        }
        if (notReported > 0) {
            result.add(new VersionCount("not reported", VersionCount.Kind.NOT_REPORTED, notReported));
        }
        return List.copyOf(result);
    }
}
