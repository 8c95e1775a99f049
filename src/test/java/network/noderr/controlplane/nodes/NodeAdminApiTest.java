package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;

/** {@code GET /api/v1/admin/nodes} over real HTTP with the bootstrap API token. */
@IntegrationTest
class NodeAdminApiTest {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    record Result(int status, String contentType, String body) {}

    @Test
    void listsPagedAndSortedNodes() {
        var prefix = "api-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        for (int i = 0; i < 3; i++) {
            TestNodes.insert(jdbc, prefix + i, "GUARDIAN");
            jdbc.sql("""
                            INSERT INTO node_versions (node_id, tier, current_version, cohort)
                            VALUES (:id, 'GUARDIAN', '2.0.0', 'cohort2')""")
                    .param("id", prefix + i)
                    .update();
        }
        var result = get("/api/v1/admin/nodes?q=" + prefix + "&size=2&page=0&sort=nodeId,desc");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.body())
                .contains("\"total\":3")
                .contains("\"size\":2")
                .contains("\"nodeId\":\"" + prefix + "2\"")
                .contains("\"nodeId\":\"" + prefix + "1\"")
                .doesNotContain("\"nodeId\":\"" + prefix + "0\"")
                .contains("\"tier\":\"GUARDIAN\"");
        assertThat(get("/api/v1/admin/nodes?q=" + prefix + "&cohort=cohort2&version=2.0.0").body())
                .contains("\"total\":3");
        assertThat(get("/api/v1/admin/nodes?q=" + prefix + "&cohort=canary").body()).contains("\"total\":0");
    }

    @Test
    void badParametersGet400ProblemJsonWithFieldErrors() {
        var badSort = get("/api/v1/admin/nodes?sort=password,sideways");
        assertThat(badSort.status()).isEqualTo(400);
        assertThat(badSort.contentType()).startsWith("application/problem+json");
        assertThat(badSort.body()).contains("\"sort\"");

        var badSize = get("/api/v1/admin/nodes?size=100000");
        assertThat(badSize.status()).isEqualTo(400);
        assertThat(badSize.body()).contains("\"errors\"").contains("\"size\"").doesNotContain("Exception");

        var badCohort = get("/api/v1/admin/nodes?cohort=cohort7");
        assertThat(badCohort.status()).isEqualTo(400);
        assertThat(badCohort.body()).contains("\"cohort\"");

        var badTier = get("/api/v1/admin/nodes?tier=PLATINUM");
        assertThat(badTier.status()).isEqualTo(400);
        assertThat(badTier.contentType()).startsWith("application/problem+json");
        assertThat(badTier.body()).doesNotContain("at network.noderr");
        // Says which values are allowed, as invalid input, like the other parameters.
        assertThat(badTier.body()).contains("https://noderr.network/problems/invalid-request")
                .contains("\"tier\":\"must be one of ALL, ORACLE, GUARDIAN\"");
    }

    @Autowired
    NodeRegistry registry;

    @Test
    void aSuspensionThroughTheApiKeepsItsReasonAndWhoSuspended() {
        var api = new network.noderr.controlplane.ApiClient(port);
        var node = "api-suspend-" + UUID.randomUUID().toString().substring(0, 8);
        TestNodes.insert(jdbc, node, "ORACLE");

        var tooLong = api.post("/api/v1/admin/nodes/" + node + "/suspend", java.util.Map.of("reason", "x".repeat(201)),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.body().path("errors").path("reason").asString()).contains("1 to 200 characters");
        assertThat(registry.details(node, 1).orElseThrow().node().status()).isEqualTo(NodeStatus.ACTIVE);

        var suspended = api.post("/api/v1/admin/nodes/" + node + "/suspend",
                java.util.Map.of("reason", "  key found on a paste site "), IntegrationTest.ADMIN_TOKEN);
        assertThat(suspended.status()).isEqualTo(200);
        assertThat(suspended.text("status")).isEqualTo("SUSPENDED");
        var suspension = registry.details(node, 1).orElseThrow().suspension();
        assertThat(suspension).isNotNull();
        assertThat(suspension.reason()).isEqualTo("key found on a paste site");
        assertThat(suspension.by()).isEqualTo("admin");

        assertThat(api.post("/api/v1/admin/nodes/" + node + "/reinstate", "", IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(200);
        assertThat(registry.details(node, 1).orElseThrow().suspension()).isNull();

        // Without a body (as before): suspended, no reason, but who did it is kept.
        assertThat(api.post("/api/v1/admin/nodes/" + node + "/suspend", "", IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(200);
        suspension = registry.details(node, 1).orElseThrow().suspension();
        assertThat(suspension).isNotNull();
        assertThat(suspension.reason()).isNull();
        assertThat(suspension.by()).isEqualTo("admin");

        // Suspending a suspended node again without a body (a script's retry) keeps the reason given first: it was
        // wiped before.
        assertThat(api.post("/api/v1/admin/nodes/" + node + "/reinstate", "", IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(200);
        assertThat(api.post("/api/v1/admin/nodes/" + node + "/suspend", java.util.Map.of("reason", "machine retired"),
                IntegrationTest.ADMIN_TOKEN).status()).isEqualTo(200);
        var first = registry.details(node, 1).orElseThrow().suspension();
        assertThat(api.post("/api/v1/admin/nodes/" + node + "/suspend", "", IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(200);
        assertThat(registry.details(node, 1).orElseThrow().suspension()).isEqualTo(first);
        assertThat(first.reason()).isEqualTo("machine retired");

        var unknown = api.post("/api/v1/admin/nodes/no-such-" + node + "/suspend", java.util.Map.of("reason", "gone"),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.problemType()).isEqualTo("node-unknown");
    }

    @Autowired
    network.noderr.controlplane.applications.Applications applications;

    @Test
    void serviceDiscoveryListsLoggedInActiveNodesWithTheirLabels() {
        var api = new network.noderr.controlplane.ApiClient(port);
        var login = network.noderr.controlplane.Onboarding.registerAndLogIn(api, applications,
                network.noderr.controlplane.TestNodeKey.generate(), network.noderr.controlplane.shared.Tier.ORACLE);
        var never = "sd-never-" + UUID.randomUUID().toString().substring(0, 8);
        TestNodes.insert(jdbc, never, "ALL"); // registered, never logged in: no address to scrape

        var sd = get("/api/v1/sd/nodes");
        assertThat(sd.status()).isEqualTo(200);
        assertThat(sd.body()).contains("{\"targets\":[\"127.0.0.1:9101\"],\"labels\":{\"node_id\":\"" + login[0]
                + "\",\"tier\":\"ORACLE\",\"version\":\"\",\"cohort\":\"").doesNotContain(never);

        jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id = :id").param("id", login[0]).update();
        assertThat(get("/api/v1/sd/nodes").body()).as("suspended nodes are not scraped").doesNotContain(login[0]);
        Integer anonymous = RestClient.create("http://localhost:" + port).get().uri("/api/v1/sd/nodes")
                .exchange((req, res) -> res.getStatusCode().value());
        assertThat(anonymous).isEqualTo(401);
    }

    /** Each node is scraped at the metrics port its agent told at login; a node that serves none is left out. */
    @Test
    void serviceDiscoveryUsesTheMetricsPortEachAgentTold() {
        var api = new network.noderr.controlplane.ApiClient(port);
        var key = network.noderr.controlplane.TestNodeKey.generate();
        var login = network.noderr.controlplane.Onboarding.registerAndLogIn(api, applications, key,
                network.noderr.controlplane.shared.Tier.ALL);
        var node = login[0];
        try {
            network.noderr.controlplane.Onboarding.logIn(api, node, key, java.util.Map.of("metricsPort", 9200));
            assertThat(get("/api/v1/sd/nodes").body()).contains("{\"targets\":[\"127.0.0.1:9200\"],\"labels\":{"
                    + "\"node_id\":\"" + node + "\"");

            network.noderr.controlplane.Onboarding.logIn(api, node, key);
            assertThat(get("/api/v1/sd/nodes").body()).as("a login that tells no port keeps the one known")
                    .contains("[\"127.0.0.1:9200\"],\"labels\":{\"node_id\":\"" + node + "\"");

            network.noderr.controlplane.Onboarding.logIn(api, node, key, java.util.Map.of("metricsPort", 0));
            assertThat(get("/api/v1/sd/nodes").body()).as("no metrics endpoint: nothing to scrape")
                    .doesNotContain(node);

            var nonce = api.post("/api/v1/auth/challenge", java.util.Map.of("nodeId", node)).text("nonce");
            var refused = api.post("/api/v1/auth/verify", java.util.Map.of("nodeId", node, "nonce", nonce,
                    "signature", key.sign(nonce), "metricsPort", 70000));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body().path("errors").has("metricsPort")).isTrue();
        } finally {
            jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id = :id").param("id", node).update();
        }
    }

    @Test
    void nodeDetailsShowIdentityHardwareAddressAndUpdateHistory() {
        var api = new network.noderr.controlplane.ApiClient(port);
        var login = network.noderr.controlplane.Onboarding.registerAndLogIn(api, applications,
                network.noderr.controlplane.TestNodeKey.generate(), network.noderr.controlplane.shared.Tier.ALL);
        for (var report : java.util.List.of(java.util.Map.of("fromVersion", "1.0.0", "toVersion", "1.1.0",
                        "result", "ROLLED_BACK", "durationMs", 61000, "reason", "health window failed"),
                java.util.Map.of("fromVersion", "1.0.0", "toVersion", "1.1.1", "result", "SUCCEEDED",
                        "durationMs", 42000))) {
            assertThat(api.post("/api/v1/updates", report, login[1]).status()).isEqualTo(202);
        }
        var details = api.get("/api/v1/admin/nodes/" + login[0], IntegrationTest.ADMIN_TOKEN);
        assertThat(details.status()).isEqualTo(200);
        var body = details.body();
        assertThat(body.path("node").path("nodeId").asText()).isEqualTo(login[0]);
        assertThat(body.path("node").path("tier").asText()).isEqualTo("ALL");
        assertThat(body.path("node").path("keyType").asText()).isEqualTo("SOFTWARE");
        assertThat(body.path("hardware").path("cpuCores").asInt()).isPositive();
        assertThat(body.path("lastAddress").asText()).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(body.path("lastAuthenticatedAt").asText()).isNotBlank();
        var updates = body.path("updates");
        assertThat(updates).hasSize(2);
        assertThat(updates.get(0).path("toVersion").asText()).isEqualTo("1.1.1");
        assertThat(updates.get(0).path("result").asText()).isEqualTo("SUCCEEDED");
        assertThat(updates.get(1).path("reason").asText()).isEqualTo("health window failed");
        assertThat(api.get("/api/v1/admin/nodes/" + login[0] + "?updates=1", IntegrationTest.ADMIN_TOKEN).body()
                .path("updates")).hasSize(1);
        var unknown = api.get("/api/v1/admin/nodes/node-does-not-exist", IntegrationTest.ADMIN_TOKEN);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.problemType()).endsWith("node-unknown");
    }

    @Test
    void nodeDetailsNameTheRegisteredHardwareBelowTheNodesTierMinimums() {
        var api = new network.noderr.controlplane.ApiClient(port);
        var approval = network.noderr.controlplane.Onboarding.approved(applications,
                network.noderr.controlplane.shared.Tier.GUARDIAN);
        var body = network.noderr.controlplane.Onboarding.registration(approval.installToken(),
                network.noderr.controlplane.TestNodeKey.generate(), null);
        // What install.sh --force sends from a small machine: it does not measure the network.
        body.put("hardware", java.util.Map.of("cpuCores", 4, "memoryGb", 16, "diskGb", 40, "networkMbps", 0,
                "gpu", false));
        var registered = api.post("/api/v1/auth/register", body);
        assertThat(registered.status()).isEqualTo(201);
        var nodeId = registered.text("nodeId");

        var check = api.get("/api/v1/admin/nodes/" + nodeId, IntegrationTest.ADMIN_TOKEN).body().path("hardwareCheck");
        assertThat(check.path("tier").asText()).isEqualTo("GUARDIAN");
        assertThat(check.path("shortfalls").toString()).isEqualTo(
                "[{\"resource\":\"CPU_CORES\",\"found\":4,\"needed\":8},"
                        + "{\"resource\":\"DISK_GB\",\"found\":40,\"needed\":100}]");
        assertThat(check.path("notMeasured").toString()).isEqualTo("[\"NETWORK_MBPS\"]");
        assertThat(check.path("summary").asText())
                .isEqualTo("Below the GUARDIAN minimums: 4 of 8 CPU cores, 40 of 100 GB disk");

        // A node whose row has no hardware: nothing is known, so nothing is reported short.
        var bare = "hw-" + UUID.randomUUID().toString().substring(0, 8);
        TestNodes.insert(jdbc, bare, "ORACLE");
        var unknown = api.get("/api/v1/admin/nodes/" + bare, IntegrationTest.ADMIN_TOKEN).body().path("hardwareCheck");
        assertThat(unknown.path("shortfalls")).isEmpty();
        assertThat(unknown.path("notMeasured")).hasSize(4);
        assertThat(unknown.path("summary").isNull()).isTrue();
    }

    private Result get(String path) {
        return RestClient.create("http://localhost:" + port)
                .get()
                .uri(path)
                .headers(h -> h.setBearerAuth(IntegrationTest.ADMIN_TOKEN))
                .exchange((req, res) -> new Result(
                        res.getStatusCode().value(),
                        String.valueOf(res.getHeaders().getContentType()),
                        new String(res.getBody().readAllBytes())));
    }
}
