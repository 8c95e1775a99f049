package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The registry's running version follows the node's newest observation of it, whichever request arrives last: a
 * health report the node sent before an update (or before a version query that recorded a new version) but that is
 * stored after it does not set the old version again; a newer one does. Over the real node API on real PostgreSQL.
 */
@IntegrationTest
class RegistryVersionOrderTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    ApiClient api;
    String nodeId;
    String token;

    @BeforeEach
    void node() {
        api = new ApiClient(port);
        var login = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ALL);
        nodeId = login[0];
        token = login[1];
    }

    @Test
    void aHealthReportSentBeforeTheUpdateButStoredAfterItLeavesTheNewVersion() {
        var t = Instant.now().minusSeconds(120).truncatedTo(ChronoUnit.MILLIS);
        health("1.0.0", t);
        assertThat(currentVersion()).isEqualTo("1.0.0");

        update("1.0.0", "2.0.0", t.plusSeconds(30));
        assertThat(currentVersion()).isEqualTo("2.0.0");

        // Sampled at t+20s while the update ran; its delivery was delayed (a retry from the node's buffer).
        health("1.0.0", t.plusSeconds(20));
        assertThat(currentVersion()).as("the stale report does not set the old version again").isEqualTo("2.0.0");
        assertThat(lastHealthCheck()).as("its health is still the newest").isEqualTo(t.plusSeconds(20));

        // The node went back to 1.0.0 itself (a local rollback) after the update: its next report says so.
        health("1.0.0", t.plusSeconds(40));
        assertThat(currentVersion()).as("a newer report moves the version").isEqualTo("1.0.0");
    }

    @Test
    void anUpdateReportWithoutATimestampIsObservedWhenItArrives() {
        var now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        health("1.0.0", now.minusSeconds(60));
        var report = api.post("/api/v1/updates", Map.of("fromVersion", "1.0.0", "toVersion", "2.0.0", "result",
                "SUCCEEDED", "durationMs", 1000), token);
        assertThat(report.status()).isEqualTo(202);

        health("1.0.0", now.minusSeconds(30));
        assertThat(currentVersion()).isEqualTo("2.0.0");
        health("1.0.0", now.plusSeconds(60));
        assertThat(currentVersion()).isEqualTo("1.0.0");
    }

    @Test
    void aHealthReportSentBeforeAVersionQueryThatRecordedANewVersionLeavesIt() {
        var now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        health("1.0.0", now.minusSeconds(60));
        assertThat(api.get("/api/v1/version/" + nodeId + "?currentVersion=2.0.0", token).status()).isEqualTo(200);
        assertThat(currentVersion()).isEqualTo("2.0.0");

        health("1.0.0", now.minusSeconds(30));
        assertThat(currentVersion()).isEqualTo("2.0.0");
        health("1.0.0", now.plusSeconds(60));
        assertThat(currentVersion()).isEqualTo("1.0.0");
    }

    @Test
    void aLocalRollbackReportSetsTheVersionTheNodeWentBackTo() {
        var t = Instant.now().minusSeconds(120).truncatedTo(ChronoUnit.MILLIS);
        health("1.0.0", t);
        // Sampled during the new version's health window, which then failed: the node went back to 1.0.0.
        health("2.0.0", t.plusSeconds(20));
        assertThat(currentVersion()).isEqualTo("2.0.0");
        report("1.0.0", "2.0.0", "ROLLED_BACK", t.plusSeconds(30));
        assertThat(currentVersion()).as("back on the version it came from").isEqualTo("1.0.0");

        // A report older than the newest observation changes nothing.
        health("2.0.0", t.plusSeconds(50));
        report("1.0.0", "2.0.0", "ROLLED_BACK", t.plusSeconds(40));
        assertThat(currentVersion()).isEqualTo("2.0.0");
    }

    private void health(String version, Instant at) {
        var response = api.post("/api/v1/health", Map.of("nodeId", nodeId, "version", version, "metrics",
                Map.of("uptime", 3600, "cpu", 10, "memory", 20, "errors", 0), "timestamp", at.toString()), token);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
    }

    private void update(String from, String to, Instant at) {
        report(from, to, "SUCCEEDED", at);
    }

    private void report(String from, String to, String result, Instant at) {
        var response = api.post("/api/v1/updates", Map.of("fromVersion", from, "toVersion", to, "result",
                result, "durationMs", 1000, "timestamp", at.toString()), token);
        assertThat(response.status()).as(response.toString()).isEqualTo(202);
    }

    private String currentVersion() {
        return jdbc.sql("SELECT current_version FROM node_versions WHERE node_id = :id").param("id", nodeId)
                .query(String.class).single();
    }

    private Instant lastHealthCheck() {
        return jdbc.sql("SELECT last_health_check FROM node_versions WHERE node_id = :id").param("id", nodeId)
                .query(java.sql.Timestamp.class).single().toInstant();
    }
}
