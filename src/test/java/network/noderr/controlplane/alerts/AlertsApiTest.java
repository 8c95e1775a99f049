package network.noderr.controlplane.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Alertmanager's webhook and the alert list over real HTTP. */
@IntegrationTest
class AlertsApiTest {

    static final String SECRET = "test-alert-webhook-secret-0123456789";

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens apiTokens;

    @Autowired
    org.springframework.jdbc.core.simple.JdbcClient jdbc;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static Map<String, Object> payload(String status, String fingerprint, String startsAt, String endsAt) {
        return Map.of("version", "4", "receiver", "noderr-control-plane", "status", status, "alerts", List.of(Map.of(
                "status", status,
                "labels", Map.of("alertname", "UpdateFailed", "severity", "warning", "tier", "ORACLE",
                        "node_id", "node-alerts-1"),
                "annotations", Map.of("summary", "Update failed on node-alerts-1"),
                "startsAt", startsAt, "endsAt", endsAt, "generatorURL", "http://prometheus:9090/graph",
                "fingerprint", fingerprint)));
    }

    /** The stored alert that started at {@code startsAt} (each test uses its own start). */
    private JsonNode find(String startsAt) {
        var list = api.get("/api/v1/admin/alerts?limit=1000", IntegrationTest.ADMIN_TOKEN).body();
        return StreamSupport.stream(list.spliterator(), false)
                .filter(a -> a.path("startsAt").asText().equals(startsAt))
                .findFirst().orElse(null);
    }

    @Test
    void firingThenResolvedIsOneAlertWithItsState() {
        var fingerprint = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        var start = "2026-11-23T10:00:0" + (int) (Math.random() * 10) + "." + System.nanoTime() % 1000 + "Z";
        var firing = api.post("/api/v1/alerts", payload("firing", fingerprint, start, "0001-01-01T00:00:00Z"), SECRET);
        assertThat(firing.status()).as(firing.toString()).isEqualTo(200);
        assertThat(firing.body().path("created").asInt()).isEqualTo(1);
        var again = api.post("/api/v1/alerts", payload("firing", fingerprint, start, "0001-01-01T00:00:00Z"), SECRET);
        assertThat(again.body().path("created").asInt()).as("Alertmanager re-sends: stored once").isZero();

        var alert = find(java.time.Instant.parse(start).toString());
        assertThat(alert).isNotNull();
        assertThat(alert.path("status").asText()).isEqualTo("firing");
        assertThat(alert.path("name").asText()).isEqualTo("UpdateFailed");
        assertThat(alert.path("nodeId").asText()).isEqualTo("node-alerts-1");
        assertThat(alert.path("tier").asText()).isEqualTo("ORACLE");
        assertThat(alert.path("summary").asText()).isEqualTo("Update failed on node-alerts-1");
        assertThat(alert.path("source").asText()).isEqualTo("alertmanager");

        var resolved = api.post("/api/v1/alerts", payload("resolved", fingerprint, start, "2026-11-23T10:05:00Z"),
                SECRET);
        assertThat(resolved.body().path("created").asInt()).isZero();
        var after = find(java.time.Instant.parse(start).toString());
        assertThat(after.path("status").asText()).isEqualTo("resolved");
        assertThat(after.path("endsAt").asText()).isEqualTo("2026-11-23T10:05:00Z");
        assertThat(after.path("id").asText()).isEqualTo(alert.path("id").asText());
    }

    @Test
    void theWebhookNeedsTheSharedSecret() {
        var body = payload("firing", "abc", "2026-11-23T09:00:00Z", "0001-01-01T00:00:00Z");
        assertThat(api.post("/api/v1/alerts", body).status()).isEqualTo(401);
        var wrong = api.post("/api/v1/alerts", body, "not-the-secret");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.text("detail")).contains("Authorization: Bearer");
        assertThat(api.post("/api/v1/alerts", body, IntegrationTest.ADMIN_TOKEN).status())
                .as("an API token is not the webhook secret").isEqualTo(401);
        assertThat(api.get("/api/v1/alerts", SECRET).status()).as("only POST").isIn(401, 403, 405);
    }

    /**
     * The secret is checked before the body is read (a notification may be 2 MiB, and anyone can send one), and a
     * source that sends wrong secrets is limited like one that guesses API tokens (100 a minute in the test profile):
     * 429 before any check, also with the right secret, until its budget refills.
     */
    @Test
    void aWrongSecretIsRefusedBeforeTheBodyIsReadAndGuessingIsLimited() throws Exception {
        var guesser = new ApiClient(port, java.net.InetAddress.getByName("127.0.0.81"));
        var notAPayload = "{\"version\": \"3\"}";
        assertThat(guesser.post("/api/v1/alerts", notAPayload, "not-the-secret").status())
                .as("refused for the secret, not for the body").isEqualTo(401);
        int refused = 1;
        ApiClient.Response answer = null;
        for (int i = 0; i < 130; i++) {
            answer = guesser.post("/api/v1/alerts", notAPayload, "guess-" + i);
            if (answer.status() != 401) {
                break;
            }
            refused++;
        }
        assertThat(refused).isGreaterThanOrEqualTo(100);
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.headers().get("retry-after")).isNotEmpty();
        assertThat(guesser.post("/api/v1/alerts", payload("firing", "guessed", "2026-11-23T09:00:00Z",
                "0001-01-01T00:00:00Z"), SECRET).status()).as("whatever it sends").isEqualTo(429);
        assertThat(api.post("/api/v1/alerts", notAPayload, SECRET).status()).as("another source").isEqualTo(400);
    }

    @Test
    void badPayloadsAre400AndNothingIsStored() {
        var before = api.get("/api/v1/admin/alerts?limit=1000", IntegrationTest.ADMIN_TOKEN).body().size();
        var wrongVersion = api.post("/api/v1/alerts", Map.of("version", "3", "alerts", List.of()), SECRET);
        assertThat(wrongVersion.status()).isEqualTo(400);
        var noFingerprint = api.post("/api/v1/alerts", Map.of("version", "4", "alerts", List.of(Map.of(
                "status", "firing", "labels", Map.of("alertname", "X"), "startsAt", "2026-11-23T09:00:00Z"))),
                SECRET);
        assertThat(noFingerprint.status()).isEqualTo(400);
        assertThat(api.post("/api/v1/alerts", "{\"version\":", SECRET).status()).isEqualTo(400);
        assertThat(api.get("/api/v1/admin/alerts?limit=1000", IntegrationTest.ADMIN_TOKEN).body().size())
                .isEqualTo(before);
        assertThat(api.get("/api/v1/admin/alerts?status=burning", IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(400);
    }

    @Test
    void aReleaseManagerAcknowledgesOnceAViewerCannot() {
        var start = "2026-11-22T08:00:0" + (int) (Math.random() * 10) + "." + System.nanoTime() % 1000 + "Z";
        api.post("/api/v1/alerts", payload("firing", "ack" + System.nanoTime() % 100000, start, "0001-01-01T00:00:00Z"),
                SECRET);
        var alert = find(java.time.Instant.parse(start).toString());
        var id = alert.path("id").asText();
        var viewer = token("alerts-viewer", Role.VIEWER);
        var manager = token("alerts-manager", Role.RELEASE_MANAGER);
        assertThat(api.post("/api/v1/admin/alerts/" + id + "/acknowledge", Map.of(), viewer).status()).isEqualTo(403);
        var acked = api.post("/api/v1/admin/alerts/" + id + "/acknowledge", Map.of(), manager);
        assertThat(acked.status()).isEqualTo(200);
        assertThat(acked.text("acknowledgedBy")).isEqualTo("alerts-manager");
        var twice = api.post("/api/v1/admin/alerts/" + id + "/acknowledge", Map.of(), manager);
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.text("detail")).contains("alerts-manager");
        assertThat(api.post("/api/v1/admin/alerts/" + UUID.randomUUID() + "/acknowledge", Map.of(), manager).status())
                .isEqualTo(404);
    }

    @Test
    void aWholeTierOfNodeDownAlertsIsOneNotificationAndEveryAlertIsStored() {
        var run = "big" + System.nanoTime() % 1_000_000 + "-";
        var group = new java.util.ArrayList<Map<String, Object>>();
        for (int i = 0; i < 400; i++) {
            var node = run + "node-" + i;
            group.add(Map.of(
                    "status", "firing",
                    "labels", Map.of("alertname", "NodeDown", "severity", "critical", "tier", "VALIDATOR",
                            "node_id", node, "instance", node + ".nodes.example.org:9101", "job", "noderr-nodes"),
                    "annotations", Map.of(
                            "summary", "Node " + node + " (VALIDATOR) is down",
                            "description", "Prometheus has not scraped " + node + ".nodes.example.org:9101 for 2 "
                                    + "minutes. The node is registered and active, so it was expected to answer.",
                            "runbook_url", "https://docs.example.org/operations.md#nodedown"),
                    "startsAt", "2026-11-21T07:00:00Z", "endsAt", "0001-01-01T00:00:00Z",
                    "generatorURL", "http://prometheus:9090/graph?g0.expr=up%7Bjob%3D%22noderr-nodes%22%7D+%3D%3D+0"
                            + "&g0.tab=1",
                    "fingerprint", Integer.toHexString(run.hashCode()) + String.format("%08x", i)));
        }
        var body = Map.of("version", "4", "receiver", "noderr-control-plane", "status", "firing",
                "groupKey", "{}/{severity=\"critical\"}:{alertname=\"NodeDown\", tier=\"VALIDATOR\"}",
                "truncatedAlerts", 3, "alerts", group);
        var size = tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsBytes(body).length;
        assertThat(size).as("well over the 64 KiB of other API bodies").isBetween(200_000, 1_000_000);

        var response = api.post("/api/v1/alerts", body, SECRET);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.body().path("received").asInt()).isEqualTo(400);
        assertThat(response.body().path("created").asInt()).isEqualTo(400);
        assertThat(response.body().path("truncated").asInt()).isEqualTo(3);
        assertThat(jdbc.sql("SELECT count(*) FROM alerts WHERE node_id LIKE :p AND status = 'firing'")
                .param("p", run + "%").query(Long.class).single()).isEqualTo(400);
    }

    @Test
    void theWebhookStillHasALimitAndOtherApiCallsKeep64KiB() {
        var huge = "{\"version\":\"4\",\"alerts\":[],\"receiver\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        var refused = api.post("/api/v1/alerts", huge, SECRET);
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.text("detail")).contains("2 MiB");
        var report = "{\"version\":\"" + "x".repeat(100 * 1024) + "\"}";
        var other = api.post("/api/v1/health", report, IntegrationTest.ADMIN_TOKEN);
        assertThat(other.status()).isEqualTo(413);
        assertThat(other.text("detail")).contains("64 KiB");
    }

    private String token(String name, Role role) {
        return network.noderr.controlplane.TestUsers.token(users, apiTokens, name, role);
    }
}
