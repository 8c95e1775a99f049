package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import network.noderr.controlplane.security.Role;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
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

/** The node API's health, update and version endpoints over real HTTP on real PostgreSQL, incl. bad input. */
@IntegrationTest
class NodeRolloutApiTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    network.noderr.controlplane.security.UserAccounts users;

    @Autowired
    network.noderr.controlplane.security.ApiTokens apiTokens;

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

    private Map<String, Object> report(String version, double cpu, int errors, Instant at) {
        return Map.of("nodeId", nodeId, "version", version, "metrics",
                Map.of("uptime", 3600, "cpu", cpu, "memory", 50.5, "disk", 12, "errors", errors), "timestamp",
                at.toString());
    }

    private long storedReports() {
        return jdbc.sql("SELECT count(*) FROM health_reports WHERE node_id = :id").param("id", nodeId)
                .query(Long.class).single();
    }

    @Test
    void aReportIsCommittedBeforeItIsAcknowledgedAndClassified() {
        var response = api.post("/api/v1/health", report("1.0.0", 88, 0, Instant.now()), token);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().path("acknowledged").asBoolean()).isTrue();
        assertThat(response.text("healthStatus")).isEqualTo("degraded");
        assertThat(storedReports()).isEqualTo(1);
        var registry = jdbc.sql("SELECT current_version || '/' || health_status FROM node_versions WHERE node_id = :id")
                .param("id", nodeId).query(String.class).single();
        assertThat(registry).isEqualTo("1.0.0/degraded");
    }

    @Test
    void aBufferedBatchIsStoredWhole() {
        var start = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(2, ChronoUnit.HOURS);
        var batch = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < 24; i++) {
            batch.add(report("1.0.0", 10, 0, start.plus(5L * i, ChronoUnit.MINUTES)));
        }
        batch.add(report("1.0.1", 99, 0, start.plus(2, ChronoUnit.HOURS)));
        var response = api.post("/api/v1/health", batch, token);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().path("accepted").asInt()).isEqualTo(25);
        assertThat(response.text("healthStatus")).isEqualTo("unhealthy");
        assertThat(storedReports()).isEqualTo(25);
        var latest = jdbc.sql("SELECT current_version FROM node_versions WHERE node_id = :id").param("id", nodeId)
                .query(String.class).single();
        assertThat(latest).isEqualTo("1.0.1");

        // The management API lists them newest first, in the order the node sent them.
        var viewer = network.noderr.controlplane.TestUsers.token(users, apiTokens, "health-viewer", Role.VIEWER);
        var history = api.get("/api/v1/admin/nodes/" + nodeId + "/health?limit=30", viewer).body();
        assertThat(history).hasSize(25);
        assertThat(history.get(0).path("version").asText()).isEqualTo("1.0.1");
        for (int i = 1; i < 25; i++) {
            assertThat(Instant.parse(history.get(i).path("reportedAt").asText()))
                    .isEqualTo(start.plus(5L * (24 - i), ChronoUnit.MINUTES));
        }
        assertThat(api.get("/api/v1/admin/nodes/" + nodeId + "/health?limit=0", viewer).status()).isEqualTo(400);
        // and says why the node is unhealthy: the limit its latest report crossed
        var why = api.get("/api/v1/admin/nodes/" + nodeId + "/health/why", viewer);
        assertThat(why.status()).isEqualTo(200);
        assertThat(why.text("status")).isEqualTo("unhealthy");
        assertThat(why.body().path("reasons").toString()).isEqualTo("[\"CPU 99 % (unhealthy from 95 %)\"]");
        assertThat(api.get("/api/v1/admin/nodes/no-such-node/health/why", viewer).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/admin/nodes/" + nodeId + "/health/why", token).status()).as("not for node tokens")
                .isEqualTo(401);
        assertThat(api.get("/api/v1/admin/nodes/" + nodeId + "/health", token).status()).as("not for node tokens")
                .isEqualTo(401);
    }

    @Test
    void anOlderReportDoesNotOverwriteANewerOne() {
        var now = Instant.now();
        api.post("/api/v1/health", report("2.0.0", 10, 0, now), token);
        api.post("/api/v1/health", report("1.0.0", 10, 0, now.minusSeconds(600)), token);
        assertThat(jdbc.sql("SELECT current_version FROM node_versions WHERE node_id = :id").param("id", nodeId)
                        .query(String.class).single())
                .isEqualTo("2.0.0");
        assertThat(storedReports()).isEqualTo(2);
    }

    @Test
    void invalidReportsAreRefusedWholeWithFieldErrors() {
        var bad = new ArrayList<Map<String, Object>>(List.of(report("1.0.0", 10, 0, Instant.now())));
        bad.add(Map.of("nodeId", nodeId, "version", "1.0.0", "metrics",
                Map.of("uptime", -1, "cpu", 180, "memory", 10, "errors", 0), "timestamp", Instant.now().toString()));
        var response = api.post("/api/v1/health", bad, token);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().path("errors").propertyNames()).contains("[1].metrics.uptime", "[1].metrics.cpu");
        assertThat(storedReports()).as("nothing of a refused batch is stored").isZero();

        // Agents drop exactly the reports named by index and send the rest again: every invalid one is named.
        var mixed = List.of(report("1.0.0", 10, 0, Instant.now().minus(31, ChronoUnit.DAYS)),
                report("1.0.0", 10, 0, Instant.now()), report(" ", 10, 0, Instant.now()),
                report("1".repeat(51), 10, 0, Instant.now()));
        var named = api.post("/api/v1/health", mixed, token);
        assertThat(named.status()).isEqualTo(400);
        assertThat(named.body().path("errors").propertyNames())
                .containsExactlyInAnyOrder("[0].timestamp", "[2].version", "[3].version");

        var future = api.post("/api/v1/health", report("1.0.0", 10, 0, Instant.now().plus(1, ChronoUnit.HOURS)),
                token);
        assertThat(future.status()).isEqualTo(400);
        assertThat(future.body().path("errors").path("timestamp").asString()).contains("future");
        assertThat(api.post("/api/v1/health", "{\"nodeId\":", token).status()).isEqualTo(400);
    }

    /**
     * A NUL in a version label would make PostgreSQL refuse the whole group commit the report lands in (every node's
     * reports with it); control characters are refused on every node entry point instead.
     */
    @Test
    void versionLabelsWithControlCharactersAreRefused() {
        var nul = api.post("/api/v1/health", report("1.0.0\u0000", 10, 0, Instant.now()), token);
        assertThat(nul.status()).isEqualTo(400);
        assertThat(nul.body().path("errors").path("version").asString()).contains("control characters");
        assertThat(api.post("/api/v1/health", report("1.0\n0", 10, 0, Instant.now()), token).status())
                .isEqualTo(400);
        assertThat(storedReports()).isZero();

        var update = api.post("/api/v1/updates", Map.of("fromVersion", "1.0.0\u0000", "toVersion", "1.0.1\u001b",
                "result", "SUCCEEDED", "durationMs", 1, "reason", "a\u0000b"), token);
        assertThat(update.status()).isEqualTo(400);
        assertThat(update.body().path("errors").propertyNames()).containsExactlyInAnyOrder("fromVersion",
                "toVersion");
        var multiLineReason = api.post("/api/v1/updates", Map.of("fromVersion", "1.0.0", "toVersion", "1.0.1",
                "result", "ROLLED_BACK", "durationMs", 1,
                "reason", "health window failed:\r\n\u001b[31mexit 1\u001b[0m\tnul \u0000 \u202Eedoc\n"), token);
        assertThat(multiLineReason.status()).as("a reason may span lines").isEqualTo(202);
        assertThat(jdbc.sql("SELECT reason FROM update_reports WHERE node_id = :id ORDER BY id DESC LIMIT 1")
                .param("id", nodeId).query(String.class).single())
                .as("line breaks and tabs kept, escapes, NUL and a text-direction override replaced")
                .isEqualTo("health window failed:\n\uFFFD[31mexit 1\uFFFD[0m\tnul \uFFFD \uFFFDedoc\n");

        var query = api.get("/api/v1/version/" + nodeId + "?currentVersion=1.0.0%00", token);
        assertThat(query.status()).isEqualTo(400);
        assertThat(api.get("/api/v1/version/" + nodeId + "?currentVersion=1.0.0", token).status()).isEqualTo(200);
    }

    @Test
    void aNodeCannotReportForAnotherNode() {
        var other = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ALL)[0];
        var body = new java.util.HashMap<>(report("1.0.0", 10, 0, Instant.now()));
        body.put("nodeId", other);
        assertThat(api.post("/api/v1/health", body, token).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/version/" + other, token).status()).isEqualTo(403);
        assertThat(api.post("/api/v1/health", report("1.0.0", 10, 0, Instant.now()), null).status()).isEqualTo(401);
    }

    @Test
    void oversizedBatchesGet413() {
        var batch = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < 600; i++) {
            batch.add(report("1.0.0", 10, 0, Instant.now()));
        }
        var response = api.post("/api/v1/health", batch, token);
        assertThat(response.status()).isEqualTo(413);
        assertThat(storedReports()).isZero();
    }

    @Test
    void updateReportsAreAcceptedAndValidated() {
        var ok = api.post("/api/v1/updates", Map.of("fromVersion", "1.0.0", "toVersion", "1.0.1", "result",
                "ROLLED_BACK", "durationMs", 61000, "reason", "health window failed"), token);
        assertThat(ok.status()).isEqualTo(202);
        var stored = jdbc.sql("SELECT result FROM update_reports WHERE node_id = :id").param("id", nodeId)
                .query(String.class).single();
        assertThat(stored).isEqualTo("ROLLED_BACK");
        var bad = api.post("/api/v1/updates", Map.of("toVersion", "1.0.1", "result", "MAYBE", "durationMs", 1),
                token);
        assertThat(bad.status()).isEqualTo(400);
    }

    @Test
    void anUpdateThatWaitedDaysForItsRegistryIsAcceptedUpToThirtyDays() {
        long day = 24L * 60 * 60 * 1000;
        for (long duration : new long[] {2 * day, 30 * day}) {
            var report = api.post("/api/v1/updates", Map.of("fromVersion", "1.0.0", "toVersion", "1.0.1", "result",
                    "SUCCEEDED", "durationMs", duration), token);
            assertThat(report.status()).as(duration + " ms").isEqualTo(202);
        }
        assertThat(jdbc.sql("SELECT duration_ms FROM update_reports WHERE node_id = :id ORDER BY id")
                .param("id", nodeId).query(Long.class).list()).containsExactly(2 * day, 30 * day);
        for (long duration : new long[] {30 * day + 1, -1}) {
            var refused = api.post("/api/v1/updates", Map.of("fromVersion", "1.0.0", "toVersion", "1.0.1", "result",
                    "SUCCEEDED", "durationMs", duration), token);
            assertThat(refused.status()).as(duration + " ms").isEqualTo(400);
            assertThat(refused.body().path("errors").propertyNames()).containsExactly("durationMs");
        }
    }

    @Test
    void anUpdateReportsTimestampIsTheNodesObservationWhenAHealthReportCouldCarryIt() {
        var now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertThat(update(now).status()).isEqualTo(202);
        assertThat(versionObservedAt()).as("the node's own time").isEqualTo(now);
        // A clock a health report would be refused from: the report still counts, observed when it arrived.
        for (var outside : List.of(now.plus(10, ChronoUnit.MINUTES), now.minus(31, ChronoUnit.DAYS))) {
            var before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            assertThat(update(outside).status()).as(outside.toString()).isEqualTo(202);
            assertThat(versionObservedAt()).as(outside.toString()).isBetween(before, Instant.now());
        }
        var notATime = api.post("/api/v1/updates", Map.of("fromVersion", "1.0.0", "toVersion", "1.0.1", "result",
                "SUCCEEDED", "durationMs", 1000, "timestamp", "yesterday"), token);
        assertThat(notATime.status()).isEqualTo(400);
        assertThat(jdbc.sql("SELECT count(*) FROM update_reports WHERE node_id = :id").param("id", nodeId)
                .query(Long.class).single()).isEqualTo(3);
    }

    private ApiClient.Response update(Instant timestamp) {
        return api.post("/api/v1/updates", Map.of("fromVersion", "1.0.0", "toVersion", "1.0.1", "result",
                "SUCCEEDED", "durationMs", 1000, "timestamp", timestamp.toString()), token);
    }

    private Instant versionObservedAt() {
        return jdbc.sql("SELECT version_observed_at FROM node_versions WHERE node_id = :id").param("id", nodeId)
                .query(java.sql.Timestamp.class).single().toInstant();
    }

    @Test
    void versionQueryWithoutARolloutSaysNothingToDo() {
        var answer = api.get("/api/v1/version/" + nodeId + "?currentVersion=1.0.0", token);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().path("shouldUpdate").asBoolean()).isFalse();
        assertThat(answer.text("cohort")).matches("canary|cohort[1-4]");
        assertThat(answer.text("updatePriority")).isEqualTo("normal");
    }
}
