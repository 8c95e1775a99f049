package network.noderr.controlplane.platform;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.ApiClient;
import java.util.Map;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Unknown API paths are a 404 problem, never the dashboard's HTML page with a 200; every error has a stable type and
 * names the parameter that was sent, in words rather than a converter's message.
 */
@IntegrationTest
class ApiFallbackTest {

    @LocalServerPort
    int port;

    @Test
    void unknownApiPathsAnswer404ProblemJson() {
        var api = new ApiClient(port);
        var response = api.get("/api/v1/admin/no-such-thing/42", IntegrationTest.ADMIN_TOKEN);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.problemType()).isEqualTo("not-found");
        assertThat(response.headers().get("content-type").getFirst()).startsWith("application/problem+json");
        assertThat(api.get("/api/v1/admin/no-such-thing/42", null).status()).as("still deny by default")
                .isEqualTo(401);
        assertThat(api.get("/api/v1/health-check", null).status()).as("real endpoints unaffected").isEqualTo(200);
    }

    /**
     * A path Spring Security's firewall refuses (a ';', '//', an encoded '.' or a '..' segment) was answered with the
     * error page's redirect to the dashboard's login page; under /api/ it is a 400 problem like any bad request.
     */
    @Test
    void aPathTheFirewallRefusesIsA400ProblemNotTheLoginPage() {
        var api = new ApiClient(port);
        for (var path : java.util.List.of("/api/v1/admin/users;x=1", "/api/v1/admin//users",
                "/api/v1/admin/nodes/%2e%2e/users", "/api/v1/health;jsessionid=1", "/actuator/prometheus;x")) {
            for (var token : java.util.Arrays.asList(IntegrationTest.ADMIN_TOKEN, null)) {
                var response = api.get(path, token);
                assertThat(response.status()).as("%s (token: %s)", path, token != null).isEqualTo(400);
                assertThat(response.problemType()).as(path).isEqualTo("invalid-request");
                assertThat(response.headers().get("content-type").getFirst()).as(path)
                        .startsWith("application/problem+json");
                assertThat(response.headers()).as(path).doesNotContainKey("location");
            }
        }
    }

    @Test
    void aPathServedWithAnotherMethodAnswers405WithAllow() {
        var api = new ApiClient(port);
        var approve = api.put("/api/v1/admin/applications/" + java.util.UUID.randomUUID() + "/approve", Map.of(),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(approve.status()).isEqualTo(405);
        assertThat(approve.problemType()).isEqualTo("method-not-allowed");
        assertThat(approve.headers().get("allow")).containsExactly("POST");

        var releases = api.delete("/api/v1/admin/releases", IntegrationTest.ADMIN_TOKEN);
        assertThat(releases.status()).isEqualTo(405);
        assertThat(String.join(",", releases.headers().get("allow"))).contains("GET").contains("POST")
                .doesNotContain("DELETE");

        var unknown = api.delete("/api/v1/admin/no-such-thing", IntegrationTest.ADMIN_TOKEN);
        assertThat(unknown.status()).as("a path nothing serves stays 404").isEqualTo(404);
    }

    @Test
    void springsOwnRefusalsHaveAStableType() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var json = tools.jackson.databind.json.JsonMapper.builder().build();
        var unsupported = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + port + "/api/v1/applications"))
                .header("Content-Type", "text/plain").POST(java.net.http.HttpRequest.BodyPublishers.ofString("x"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(unsupported.statusCode()).as(unsupported.body()).isEqualTo(415);
        assertThat(json.readTree(unsupported.body()).path("type").asString())
                .isEqualTo("https://noderr.network/problems/unsupported-media-type");
        var notAcceptable = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + port + "/api/v1/admin/users"))
                .header("Authorization", "Bearer " + IntegrationTest.ADMIN_TOKEN).header("Accept", "application/xml")
                .GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(notAcceptable.statusCode()).isEqualTo(406);
        assertThat(json.readTree(notAcceptable.body()).path("type").asString())
                .isEqualTo("https://noderr.network/problems/not-acceptable");
    }

    @Test
    void parameterErrorsNameTheParameterSentInWords() {
        var api = new ApiClient(port);
        var from = api.get("/api/v1/admin/audit?from=yesterday", IntegrationTest.ADMIN_TOKEN);
        assertThat(from.status()).isEqualTo(400);
        assertThat(from.body().path("errors").path("from").asString()).startsWith("must be an ISO-8601 instant");
        var beforeId = api.get("/api/v1/admin/audit?beforeId=abc", IntegrationTest.ADMIN_TOKEN);
        assertThat(beforeId.body().path("errors").path("beforeId").asString()).isEqualTo("must be a whole number");
        assertThat(beforeId.body().toString()).doesNotContain("java.lang").doesNotContain("abc");

        var q = api.get("/api/v1/admin/nodes?q=" + "x".repeat(256), IntegrationTest.ADMIN_TOKEN);
        assertThat(q.status()).isEqualTo(400);
        assertThat(q.body().path("errors").has("q")).as(q.toString()).isTrue();

        for (var limit : java.util.List.of("0", "501")) {
            var transactions = api.get("/api/v1/admin/beacon/transactions?limit=" + limit, IntegrationTest.ADMIN_TOKEN);
            assertThat(transactions.status()).as("limit %s", limit).isEqualTo(400);
            assertThat(transactions.body().path("errors").path("limit").asString()).isEqualTo("must be 1 to 500");
        }

        var health = api.get("/api/v1/admin/nodes/node-0000000000000000/health", IntegrationTest.ADMIN_TOKEN);
        assertThat(health.status()).as("as the node's details").isEqualTo(404);
        assertThat(health.problemType()).isEqualTo("node-unknown");
    }

    @Test
    void aMissingBodySaysSoAsAFieldError() {
        var api = new ApiClient(port);
        var reject = api.post("/api/v1/admin/applications/" + java.util.UUID.randomUUID() + "/reject", "",
                IntegrationTest.ADMIN_TOKEN);
        assertThat(reject.status()).isEqualTo(400);
        assertThat(reject.problemType()).isEqualTo("invalid-request");
        assertThat(reject.body().path("errors").path("body").asString()).isEqualTo("is required");
        assertThat(reject.body().toString()).doesNotContain("network.noderr").doesNotContain("java.");

        var apply = api.post("/api/v1/applications", "");
        assertThat(apply.status()).isEqualTo(400);
        assertThat(apply.body().path("errors").path("body").asString()).isEqualTo("is required");
    }
}
