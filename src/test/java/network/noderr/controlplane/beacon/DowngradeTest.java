package network.noderr.controlplane.beacon;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A publish below what a tier's nodes run is named before it is sent: the highest version active nodes run, how many
 * run it and how many run anything above the new version, in semantic-version order (real PostgreSQL).
 */
@IntegrationTest
class DowngradeTest {

    private static final String PREFIX = "downgrade-";

    @Autowired
    Beacon beacon;

    @Autowired
    JdbcClient jdbc;

    @AfterEach
    void cleanUp() {
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", PREFIX + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", PREFIX + "%").update();
    }

    private void running(String node, String version, boolean active) {
        TestNodes.insert(jdbc, PREFIX + node, "GUARDIAN");
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort)
                        VALUES (:id, 'GUARDIAN', :v, 'cohort1')""")
                .param("id", PREFIX + node).param("v", version).update();
        if (!active) {
            jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id = :id").param("id", PREFIX + node).update();
        }
    }

    @Test
    void namesTheHighestVersionTheTiersActiveNodesRunAndHowManyRunAboveIt() {
        running("a", "900000.2.0", true);
        running("b", "900000.2.0", true);
        running("c", "900000.1.9", true);
        running("d", "900000.1.0", true);
        running("e", "900000.3.0", false); // suspended: it is updated by nothing

        var downgrade = beacon.downgrade(Tier.GUARDIAN, "900000.1.5").orElseThrow();

        assertThat(downgrade.highestRunning()).isEqualTo("900000.2.0");
        assertThat(downgrade.nodesOnHighest()).isEqualTo(2);
        assertThat(downgrade.nodesAbove()).isEqualTo(3);
        assertThat(downgrade.currentVersion()).as("the tier's published versions are all lower").isNull();
        // Other tiers' nodes are not this tier's concern.
        assertThat(beacon.downgrade(Tier.ALL, "900000.1.5")).isEmpty();
    }

    @Test
    void versionsCompareAsNumbersNotAsText() {
        running("a", "900000.9.0", true);
        assertThat(beacon.downgrade(Tier.GUARDIAN, "900000.10.0")).as("10 comes after 9").isEmpty();
        assertThat(beacon.downgrade(Tier.GUARDIAN, "900000.9.0")).as("the same version is no downgrade").isEmpty();
        assertThat(beacon.downgrade(Tier.GUARDIAN, "900000.9.0-rc.1")).as("a pre-release comes before its release")
                .isPresent();
    }

    @Test
    void aNodeThatRunsNothingYetIsNoVersionAboveTheTiersFirstRelease() {
        // A fresh node's agent reports "unknown" until the tier's first release gives it a container; as text it
        // sorts after every version, which refused a tier's first publish as "a downgrade from unknown".
        running("a", "unknown", true);
        running("b", "not-a-version", true);
        assertThat(beacon.downgrade(Tier.GUARDIAN, "900000.1.0")).isEmpty();
    }

    @Test
    void aVersionBelowTheTiersCurrentPublishedVersionNamesIt() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'GUARDIAN' AND status IN ('active', 'paused')")
                .update();
        var published = "0.1." + System.nanoTime() % 1_000_000_000;
        beacon.publish(new ReleaseRequest(Tier.GUARDIAN, published, "registry.noderr.network/guardian:" + published,
                "sha256:" + String.format("%064x", System.nanoTime()), "0x" + "ef".repeat(32)), "downgrade-test");
        var deadline = java.time.Instant.now().plusSeconds(30);
        while (!published.equals(currentGuardian())) {
            assertThat(java.time.Instant.now()).as("%s confirmed on-chain", published).isBefore(deadline);
            beacon.sync();
        }
        try {
            var downgrade = beacon.downgrade(Tier.GUARDIAN, "0.0.9").orElseThrow();
            assertThat(downgrade.currentVersion()).isEqualTo(published);
            // Above the published version, only nodes (other tests' GUARDIAN nodes) can make it a downgrade.
            assertThat(beacon.downgrade(Tier.GUARDIAN, "0.2.0").map(Downgrade::currentVersion)).isEmpty();
        } finally {
            jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'GUARDIAN' AND status IN ('active', "
                    + "'paused')").update();
        }
    }

    private @org.jspecify.annotations.Nullable String currentGuardian() {
        return beacon.status().tiers().stream().filter(t -> t.tier() == Tier.GUARDIAN).findFirst().orElseThrow()
                .currentVersion();
    }
}
