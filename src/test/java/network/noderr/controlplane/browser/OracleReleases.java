package network.noderr.controlplane.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import network.noderr.controlplane.beacon.Beacon;
import network.noderr.controlplane.beacon.ReleaseRequest;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;

/** ORACLE releases a screen test publishes on the shared chain, and removes from the database again. */
final class OracleReleases {

    private OracleReleases() {}

    /**
     * Publishes {@code earlier} and then {@code current} on the chain, each waited for until its rollout started (the
     * earlier one's aborted), leaving {@code current}'s open in canary: the tier then has an earlier version on the
     * chain, so the Releases screen offers the emergency rollback whatever other tests published before.
     */
    static void publishWithAnEarlierVersion(Beacon beacon, JdbcClient jdbc, String earlier, String current) {
        abortOpen(jdbc);
        publish(beacon, jdbc, earlier);
        abortOpen(jdbc);
        publish(beacon, jdbc, current);
    }

    private static void publish(Beacon beacon, JdbcClient jdbc, String version) {
        beacon.publish(new ReleaseRequest(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                "sha256:" + "e".repeat(64), "0x" + "f".repeat(64)), "test");
        var deadline = Instant.now().plusSeconds(30);
        while (jdbc.sql("SELECT count(*) FROM deployments WHERE tier = 'ORACLE' AND version_string = :v")
                .param("v", version).query(Long.class).single() == 0) {
            assertThat(Instant.now()).as("rollout of ORACLE %s started", version).isBefore(deadline);
            beacon.sync();
        }
    }

    private static void abortOpen(JdbcClient jdbc) {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    /** Aborts the tier's open rollouts and removes these versions' releases and rollouts. */
    static void delete(JdbcClient jdbc, List<String> versions) {
        abortOpen(jdbc);
        var ours = "SELECT d.id FROM deployments d JOIN releases r ON r.id = d.release_id "
                + "WHERE r.tier = 'ORACLE' AND r.version_string IN (:v)";
        jdbc.sql("DELETE FROM deployment_events WHERE deployment_id IN (" + ours + ")").param("v", versions).update();
        jdbc.sql("DELETE FROM deployments WHERE id IN (" + ours + ")").param("v", versions).update();
        jdbc.sql("DELETE FROM releases WHERE tier = 'ORACLE' AND version_string IN (:v)").param("v", versions).update();
    }
}
