package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.client.RestClient;

/** Management-API tokens over real HTTP: accepted, refused, revoked; metrics not open to anonymous users. */
@IntegrationTest
class ApiTokenAuthenticationTest {

    @LocalServerPort
    int port;

    @Autowired
    ApiTokens tokens;

    @Autowired
    UserAccounts users;

    record Result(int status, String contentType, String body) {}

    @Test
    void bootstrapTokenFromEnvironmentIsAccepted() {
        var result = get("/api/v1/admin/nodes", IntegrationTest.ADMIN_TOKEN);
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.body()).contains("\"items\"").contains("\"total\"");
    }

    @Test
    void missingTokenGets401ProblemJson() {
        var result = get("/api/v1/admin/nodes", null);
        assertThat(result.status()).isEqualTo(401);
        assertThat(result.contentType()).startsWith("application/problem+json");
        assertThat(result.body()).contains("\"type\":\"https://noderr.network/problems/unauthorized\"");
    }

    @Test
    void unknownTokenIsRefused() {
        assertThat(get("/api/v1/admin/nodes", "ndr_this-token-was-never-issued-000000000000").status())
                .isEqualTo(401);
    }

    @Test
    void issuedTokenWorksUntilRevoked() {
        var viewer = users.findByUsername("token-test-viewer")
                .orElseGet(() -> users.create("token-test-viewer", "token-test-password", Role.VIEWER));
        var issued = tokens.issue(viewer.id(), "ci");
        assertThat(issued.token()).startsWith(ApiTokens.PREFIX).hasSizeGreaterThan(40);
        assertThat(get("/api/v1/admin/nodes", issued.token()).status()).isEqualTo(200);

        assertThat(tokens.revoke(viewer.id(), issued.id())).isTrue();
        assertThat(get("/api/v1/admin/nodes", issued.token()).status()).isEqualTo(401);
        assertThat(tokens.revoke(viewer.id(), issued.id())).as("second revoke").isFalse();
    }

    @Test
    void tokensAreStoredOnlyAsHashes() {
        var admin = users.findByUsername("admin").orElseThrow();
        var issued = tokens.issue(admin.id(), "hash-check");
        assertThat(tokens.authenticate(issued.token())).isPresent();
        assertThat(ApiTokens.hash(issued.token())).hasSize(64).doesNotContain(issued.token());
    }

    @Test
    void suppliedTokensMustBeLongEnough() {
        var admin = users.findByUsername("admin").orElseThrow();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tokens.registerSupplied(admin.id(), "short", "abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least");
    }

    @Test
    void prometheusMetricsNeedAToken() {
        assertThat(get("/actuator/prometheus", null).status()).isEqualTo(401);
        var scraped = get("/actuator/prometheus", IntegrationTest.ADMIN_TOKEN);
        assertThat(scraped.status()).isEqualTo(200);
        assertThat(scraped.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void actuatorHealthIsPublicButRevealsNoDetails() {
        var health = get("/actuator/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).contains("UP").doesNotContain("db").doesNotContain("diskSpace");
    }

    /**
     * Every presented API token costs a database lookup: a source that presents more unknown ones than its budget
     * (100 a minute in the test profile) gets 429 before any lookup, also with a valid token it has not used lately
     * and on the node API's chain, until the budget refills. Tokens accepted in the last hour still pass (automation
     * behind the same NAT keeps working), unless refused since; other sources are not affected, and node tokens (JWTs)
     * do not count.
     */
    @Test
    void aSourceThatGuessesTokensIsRefusedBeforeAnyLookup() throws Exception {
        var guesser = new network.noderr.controlplane.ApiClient(port, java.net.InetAddress.getByName("127.0.0.71"));
        var user = users.findByUsername("token-nat-viewer")
                .orElseGet(() -> users.create("token-nat-viewer", "token-nat-password", Role.VIEWER));
        var inUse = tokens.issue(user.id(), "nat-automation");
        var revokedLater = tokens.issue(user.id(), "nat-revoked");
        var neverUsed = tokens.issue(user.id(), "nat-unused");
        assertThat(guesser.get("/api/v1/admin/nodes?size=1", inUse.token()).status()).isEqualTo(200);
        assertThat(guesser.get("/api/v1/admin/nodes?size=1", revokedLater.token()).status()).isEqualTo(200);
        assertThat(tokens.revoke(user.id(), revokedLater.id())).isTrue();
        int refusedAsUnknown = 0;
        network.noderr.controlplane.ApiClient.Response answer = null;
        // The budget refills while the loop runs (100 a minute): a few more than 100 may be looked up.
        for (int i = 0; i < 130; i++) {
            answer = guesser.get("/api/v1/admin/nodes?size=1", "ndr_guess_" + i + "_0123456789abcdefghijklmnop");
            if (answer.status() != 401) {
                break;
            }
            refusedAsUnknown++;
        }
        assertThat(refusedAsUnknown).as("looked up and refused").isGreaterThanOrEqualTo(100);
        assertThat(answer.status()).as("then refused before any lookup").isEqualTo(429);
        assertThat(answer.problemType()).isEqualTo("rate-limited");
        assertThat(answer.headers().get("retry-after")).isNotEmpty();
        assertThat(guesser.get("/api/v1/admin/nodes?size=1", neverUsed.token()).status())
                .as("a valid token not accepted lately cannot be told from a guess without a lookup").isEqualTo(429);
        assertThat(guesser.get("/api/v1/rollout/status?tier=ALL", neverUsed.token()).status())
                .as("on the node API's chain too").isEqualTo(429);
        assertThat(guesser.get("/api/v1/admin/nodes?size=1", inUse.token()).status())
                .as("a token accepted lately passes").isEqualTo(200);
        assertThat(guesser.get("/api/v1/rollout/status?tier=ALL", inUse.token()).status())
                .as("on the node API's chain too").isEqualTo(200);
        assertThat(guesser.get("/api/v1/admin/nodes?size=1", revokedLater.token()).status())
                .as("revoked since: looked up once and refused").isEqualTo(401);
        assertThat(guesser.get("/api/v1/admin/nodes?size=1", revokedLater.token()).status())
                .as("then it no longer passes").isEqualTo(429);
        assertThat(guesser.get("/api/v1/admin/nodes?size=1", null).status()).as("no token: nothing to look up")
                .isEqualTo(401);

        var other = new network.noderr.controlplane.ApiClient(port, java.net.InetAddress.getByName("127.0.0.72"));
        assertThat(other.get("/api/v1/admin/nodes?size=1", IntegrationTest.ADMIN_TOKEN).status()).isEqualTo(200);

        var node = new network.noderr.controlplane.ApiClient(port, java.net.InetAddress.getByName("127.0.0.73"));
        for (int i = 0; i < 110; i++) {
            assertThat(node.get("/api/v1/version/node-x", "e30.e30.sig" + i).status()).as("bad node token %d", i)
                    .isEqualTo(401);
        }
    }

    private Result get(String path, String token) {
        return RestClient.create("http://localhost:" + port)
                .get()
                .uri(path)
                .headers(h -> {
                    if (token != null) {
                        h.setBearerAuth(token);
                    }
                })
                .exchange((req, res) -> new Result(
                        res.getStatusCode().value(),
                        String.valueOf(res.getHeaders().getContentType()),
                        new String(res.getBody().readAllBytes())));
    }
}
