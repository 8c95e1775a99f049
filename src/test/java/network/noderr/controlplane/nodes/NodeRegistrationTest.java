package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
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

/** Install-token lifecycle through {@code POST /api/v1/auth/register} over real HTTP on real PostgreSQL. */
@IntegrationTest
class NodeRegistrationTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private ApiClient.Response register(String token, TestNodeKey key, Tier tier) {
        return api.post("/api/v1/auth/register", Onboarding.registration(token, key, tier));
    }

    private long nodesWithToken(String token) {
        return jdbc.sql("""
                        SELECT count(*) FROM nodes n JOIN install_tokens t ON t.used_by_node = n.node_id
                        WHERE t.token_hash = encode(sha256(convert_to(:t, 'UTF8')), 'hex')""")
                .param("t", token)
                .query(Long.class)
                .single();
    }

    private boolean tokenUsed(String token) {
        return jdbc.sql("""
                        SELECT used_at IS NOT NULL FROM install_tokens
                        WHERE token_hash = encode(sha256(convert_to(:t, 'UTF8')), 'hex')""")
                .param("t", token)
                .query(Boolean.class)
                .single();
    }

    @Test
    void validTokenRegistersANodeOfTheTokensTier() {
        var approval = Onboarding.approved(applications, Tier.ORACLE);
        var response = register(approval.installToken(), TestNodeKey.generate(), null);
        assertThat(response.status()).isEqualTo(201);
        assertThat(response.text("nodeId")).startsWith("node-");
        assertThat(response.text("tier")).isEqualTo("ORACLE");
        var stored = jdbc.sql("SELECT tier, key_type, status, hostname FROM nodes WHERE node_id = :id")
                .param("id", response.text("nodeId"))
                .query((rs, i) -> rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3) + "/"
                        + rs.getString(4))
                .single();
        assertThat(stored).isEqualTo("ORACLE/SOFTWARE/ACTIVE/test-host");
        assertThat(tokenUsed(approval.installToken())).isTrue();
    }

    @Test
    void reusedTokenIsRefused() {
        var approval = Onboarding.approved(applications, Tier.ALL);
        assertThat(register(approval.installToken(), TestNodeKey.generate(), null).status()).isEqualTo(201);
        var again = register(approval.installToken(), TestNodeKey.generate(), null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.problemType()).isEqualTo("install-token-used");
        assertThat(nodesWithToken(approval.installToken())).isEqualTo(1);
    }

    /** An installer whose answer was lost retries the very same request: it gets the node it registered. */
    @Test
    void theSameRegistrationAgainAnswersWithTheNodeItRegistered() {
        var approval = Onboarding.approved(applications, Tier.ORACLE);
        var key = TestNodeKey.generate();
        var first = register(approval.installToken(), key, Tier.ORACLE);
        assertThat(first.status()).isEqualTo(201);

        var retry = register(approval.installToken(), key, Tier.ORACLE);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.text("nodeId")).isEqualTo(first.text("nodeId"));
        assertThat(retry.text("tier")).isEqualTo("ORACLE");
        assertThat(nodesWithToken(approval.installToken())).isEqualTo(1);
        assertThat(jdbc.sql("SELECT count(*) FROM nodes WHERE node_id = :id").param("id", first.text("nodeId"))
                .query(Long.class).single()).isEqualTo(1);

        var otherKey = register(approval.installToken(), TestNodeKey.generate(), Tier.ORACLE);
        assertThat(otherKey.problemType()).as("the token with another key").isEqualTo("install-token-used");
        var otherToken = register(Onboarding.approved(applications, Tier.ORACLE).installToken(), key, Tier.ORACLE);
        assertThat(otherToken.problemType()).as("the key with another token").isEqualTo("public-key-in-use");
    }

    @Test
    void expiredTokenIsRefused() {
        var approval = Onboarding.approved(applications, Tier.ALL);
        jdbc.sql("""
                        UPDATE install_tokens SET expires_at = :past
                        WHERE token_hash = encode(sha256(convert_to(:t, 'UTF8')), 'hex')""")
                .param("past", Timestamp.from(Instant.now().minusSeconds(1)))
                .param("t", approval.installToken())
                .update();
        var response = register(approval.installToken(), TestNodeKey.generate(), null);
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.problemType()).isEqualTo("install-token-expired");
        assertThat(tokenUsed(approval.installToken())).isFalse();
    }

    @Test
    void revokedTokenIsRefusedAndTheReissuedOneWorks() {
        var id = applications.submit(Onboarding.form("Revoked Operator", Tier.GUARDIAN), "127.0.0.1");
        var first = applications.approve(id, "admin", "http://localhost");
        var second = applications.reissueToken(id, "admin", "http://localhost", null);
        var refused = register(first.installToken(), TestNodeKey.generate(), null);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.problemType()).isEqualTo("install-token-revoked");
        assertThat(register(second.installToken(), TestNodeKey.generate(), null).status()).isEqualTo(201);
    }

    @Test
    void unknownTokenIsRefused() {
        var response = register("nit_this-token-was-never-issued-by-anyone-000000", TestNodeKey.generate(), null);
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.problemType()).isEqualTo("install-token-unknown");
    }

    @Test
    void wrongTierIsRefusedAndTheTokenStaysUsable() {
        var approval = Onboarding.approved(applications, Tier.ORACLE);
        var refused = register(approval.installToken(), TestNodeKey.generate(), Tier.GUARDIAN);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.problemType()).isEqualTo("install-token-wrong-tier");
        assertThat(refused.text("detail")).contains("ORACLE");
        assertThat(tokenUsed(approval.installToken())).isFalse();
        assertThat(register(approval.installToken(), TestNodeKey.generate(), Tier.ORACLE).status()).isEqualTo(201);
    }

    @Test
    void twoConcurrentRegistrationsWithOneTokenExactlyOneSucceeds() throws Exception {
        for (int round = 0; round < 5; round++) {
            var approval = Onboarding.approved(applications, Tier.ALL);
            var start = new CountDownLatch(1);
            var attempts = new ArrayList<Callable<Integer>>();
            for (int i = 0; i < 2; i++) {
                var key = TestNodeKey.generate();
                attempts.add(() -> {
                    start.await();
                    return register(approval.installToken(), key, null).status();
                });
            }
            try (var pool = Executors.newFixedThreadPool(2)) {
                var futures = attempts.stream().map(pool::submit).toList();
                start.countDown();
                var statuses = new ArrayList<Integer>();
                for (var f : futures) {
                    statuses.add(f.get());
                }
                assertThat(statuses).containsExactlyInAnyOrder(201, 409);
            }
            assertThat(nodesWithToken(approval.installToken())).isEqualTo(1);
        }
    }

    @Test
    void badKeyIsRefusedWithoutSpendingTheToken() {
        var approval = Onboarding.approved(applications, Tier.ALL);
        var body = Onboarding.registration(approval.installToken(), TestNodeKey.generate(), null);
        body.put("publicKey", "bm90IGEga2V5");
        var response = api.post("/api/v1/auth/register", body);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().path("errors").has("publicKey")).isTrue();
        assertThat(tokenUsed(approval.installToken())).isFalse();
    }

    @Test
    void keyAlreadyUsedByAnotherNodeIsRefusedWithoutSpendingTheToken() {
        var key = TestNodeKey.generate();
        assertThat(register(Onboarding.approved(applications, Tier.ALL).installToken(), key, null).status())
                .isEqualTo(201);
        var approval = Onboarding.approved(applications, Tier.ALL);
        var response = register(approval.installToken(), key, null);
        assertThat(response.status()).isEqualTo(409);
        assertThat(response.problemType()).isEqualTo("public-key-in-use");
        assertThat(tokenUsed(approval.installToken())).isFalse();
    }

    @Test
    void missingFieldsGetFieldErrors() {
        var response = api.post("/api/v1/auth/register", "{\"installToken\":\"nit_x\"}");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().path("errors").propertyNames())
                .contains("publicKey", "keyAttestation", "hostname", "hardware");
    }

    @Test
    void bodiesOver64KiBGet413() {
        var big = "{\"installToken\":\"" + "x".repeat(70_000) + "\"}";
        var response = api.post("/api/v1/auth/register", big);
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.problemType()).isEqualTo("body-too-large");

        // The same path with a letter percent-encoded is the same request to the server: the same limit.
        var encoded = api.post("/%61pi/v1/auth/challenge", "{\"nodeId\":\"" + "x".repeat(70_000) + "\"}");
        assertThat(encoded.status()).isEqualTo(413);
        assertThat(encoded.problemType()).isEqualTo("body-too-large");
    }
}
