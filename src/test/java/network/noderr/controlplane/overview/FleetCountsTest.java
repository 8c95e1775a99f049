package network.noderr.controlplane.overview;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import network.noderr.controlplane.nodes.NodeCount;
import network.noderr.controlplane.nodes.NodeStatus;
import network.noderr.controlplane.overview.Overview.HealthCounts;
import network.noderr.controlplane.overview.Overview.VersionCount;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;

/** Folding the registry's aggregate rows into the overview's figures. */
class FleetCountsTest {

    @Test
    void countsNodesByTierStatusHealthAndVersion() {
        var totals = FleetCounts.of(List.of(
                new NodeCount(Tier.ALL, NodeStatus.ACTIVE, "healthy", "1.4.2", 70),
                new NodeCount(Tier.ALL, NodeStatus.ACTIVE, "unhealthy", "1.4.2", 5),
                new NodeCount(Tier.ALL, NodeStatus.SUSPENDED, "degraded", "1.4.1", 3),
                new NodeCount(Tier.ALL, NodeStatus.ACTIVE, null, null, 2),
                new NodeCount(Tier.GUARDIAN, NodeStatus.ACTIVE, "healthy", "3.0.0", 10)));

        assertThat(totals.total()).isEqualTo(90);
        assertThat(totals.active()).isEqualTo(87);
        assertThat(totals.suspended()).isEqualTo(3);
        // The suspended node is in the node counts only: its health and version are from before it was suspended.
        assertThat(totals.health()).isEqualTo(new HealthCounts(80, 0, 5, 2));

        assertThat(totals.tiers()).extracting(t -> t.tier()).containsExactly(Tier.ALL, Tier.ORACLE, Tier.GUARDIAN);
        var all = totals.tiers().get(0);
        assertThat(all.nodes()).isEqualTo(80);
        assertThat(all.suspended()).isEqualTo(3);
        assertThat(all.health()).isEqualTo(new HealthCounts(70, 0, 5, 2));
        assertThat(all.versions()).containsExactly(
                new VersionCount("1.4.2", VersionCount.Kind.VERSION, 75),
                new VersionCount("not reported", VersionCount.Kind.NOT_REPORTED, 2));
    }

    @Test
    void aTierWithoutNodesIsListedWithZeros() {
        var oracle = FleetCounts.of(List.of()).tiers().get(1);
        assertThat(oracle.tier()).isEqualTo(Tier.ORACLE);
        assertThat(oracle.nodes()).isZero();
        assertThat(oracle.health()).isEqualTo(HealthCounts.NONE);
        assertThat(oracle.versions()).isEmpty();
    }

    @Test
    void lessCommonVersionsAreSummedIntoOneEntry() {
        var rows = new ArrayList<NodeCount>();
        for (int v = 1; v <= 9; v++) {
            rows.add(new NodeCount(Tier.ORACLE, NodeStatus.ACTIVE, "healthy", "2." + v + ".0", v * 10L));
        }
        var versions = FleetCounts.of(rows).tiers().get(1).versions();

        assertThat(versions).hasSize(FleetCounts.VERSIONS_PER_TIER + 1);
        assertThat(versions.get(0)).isEqualTo(new VersionCount("2.9.0", VersionCount.Kind.VERSION, 90));
        assertThat(versions.get(FleetCounts.VERSIONS_PER_TIER - 1).label()).isEqualTo("2.4.0");
        assertThat(versions.getLast()).isEqualTo(new VersionCount("other versions", VersionCount.Kind.OTHERS, 60));
    }
}
