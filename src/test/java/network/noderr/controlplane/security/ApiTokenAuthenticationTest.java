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
