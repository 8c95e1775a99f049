package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Challenge-response authentication, node tokens and key rotation over real HTTP. */
@IntegrationTest
@ExtendWith(OutputCaptureExtension.class)
class NodeAuthenticationTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    ApiClient api;
    TestNodeKey key;
    String nodeId;

    @BeforeEach
    void registerNode() {
        api = new ApiClient(port);
        key = TestNodeKey.generate();
        var approval = Onboarding.approved(applications, Tier.GUARDIAN);
        nodeId = api.post("/api/v1/auth/register", Onboarding.registration(approval.installToken(), key, null))
                .text("nodeId");
    }

    private String nonce() {
        var challenge = api.post("/api/v1/auth/challenge", Map.of("nodeId", nodeId));
        assertThat(challenge.status()).isEqualTo(200);
        assertThat(Base64.getDecoder().decode(challenge.text("nonce"))).hasSize(32);
        assertThat(Instant.parse(challenge.text("expiresAt"))).isBefore(Instant.now().plusSeconds(61));
        return challenge.text("nonce");
    }

    private ApiClient.Response verify(String nonce, String signature) {
        return api.post("/api/v1/auth/verify", Map.of("nodeId", nodeId, "nonce", nonce, "signature", signature));
    }

    @Test
    void validSignatureGetsAShortLivedTokenThatActsAsTheNode() {
        var nonce = nonce();
        var verified = verify(nonce, key.sign(nonce));
        assertThat(verified.status()).isEqualTo(200);
        assertThat(verified.body().path("expiresIn").asLong()).isBetween(1L, 3600L);
        assertThat(verified.text("tokenType")).isEqualTo("Bearer");
        var self = api.get("/api/v1/nodes/" + nodeId, verified.text("accessToken"));
        assertThat(self.status()).isEqualTo(200);
        assertThat(self.text("tier")).isEqualTo("GUARDIAN");
        assertThat(self.text("keyType")).isEqualTo("SOFTWARE");
    }

    @Test
    void rawRSFormSignaturesAreAcceptedToo() {
        var nonce = nonce();
        assertThat(verify(nonce, key.signRaw(nonce)).status()).isEqualTo(200);
    }

    @Test
    void forgedSignatureIsRefused() {
        var nonce = nonce();
        var forged = Base64.getEncoder().encodeToString(new byte[71]);
        var response = verify(nonce, forged);
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.problemType()).isEqualTo("signature-invalid");
        assertThat(response.body().has("accessToken")).isFalse();
    }

    @Test
    void signatureByAnotherKeyIsRefused() {
        var nonce = nonce();
        var response = verify(nonce, TestNodeKey.generate().sign(nonce));
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.problemType()).isEqualTo("signature-invalid");
    }

    @Test
    void replayedNonceIsRefusedEvenWithAValidSignature() {
        var nonce = nonce();
        assertThat(verify(nonce, key.sign(nonce)).status()).isEqualTo(200);
        var replay = verify(nonce, key.sign(nonce));
        assertThat(replay.status()).isEqualTo(401);
        assertThat(replay.problemType()).isEqualTo("nonce-replayed");
    }

    @Test
    void aFailedAttemptSpendsTheNonce() {
        var nonce = nonce();
        assertThat(verify(nonce, TestNodeKey.generate().sign(nonce)).status()).isEqualTo(401);
        assertThat(verify(nonce, key.sign(nonce)).problemType()).isEqualTo("nonce-replayed");
    }

    @Test
    void expiredNonceIsRefused() {
        var nonce = nonce();
        jdbc.sql("UPDATE node_challenges SET expires_at = :past WHERE node_id = :node")
                .param("past", Timestamp.from(Instant.now().minusSeconds(1)))
                .param("node", nodeId)
                .update();
        var response = verify(nonce, key.sign(nonce));
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.problemType()).isEqualTo("nonce-expired");
    }

    @Test
    void nonceOfAnotherNodeIsRefused() {
        var other = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ALL)[0];
        var otherNonce = api.post("/api/v1/auth/challenge", Map.of("nodeId", other)).text("nonce");
        var response = verify(otherNonce, key.sign(otherNonce));
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.problemType()).isEqualTo("nonce-unknown");
    }

    @Test
    void aNodeMayOnlyActAsItself() {
        var token = Onboarding.logIn(api, nodeId, key);
        var other = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ALL)[0];
        var response = api.get("/api/v1/nodes/" + other, token);
        assertThat(response.status()).isEqualTo(403);
        assertThat(response.problemType()).isEqualTo("node-mismatch");
    }

    @Test
    void tamperedTokenIsRefused() {
        var token = Onboarding.logIn(api, nodeId, key);
        var parts = token.split("\\.");
        var claims = new String(Base64.getUrlDecoder().decode(parts[1])).replace("GUARDIAN", "ORACLE");
        var tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes())
                + "." + parts[2];
        assertThat(api.get("/api/v1/nodes/" + nodeId, tampered).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/nodes/" + nodeId, token.substring(0, token.length() - 4) + "AAAA").status())
                .isEqualTo(401);
    }

    @Test
    void adminApiTokensAreNotNodeTokens() {
        // An admin's API token authenticates, but only nodes may use node endpoints.
        assertThat(api.get("/api/v1/nodes/" + nodeId, IntegrationTest.ADMIN_TOKEN).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/nodes/" + nodeId, null).status()).isEqualTo(401);
    }

    @Test
    void suspendedNodeIsRefusedEverywhereUntilReinstated() {
        var token = Onboarding.logIn(api, nodeId, key);
        var suspend = api.post("/api/v1/admin/nodes/" + nodeId + "/suspend", "", IntegrationTest.ADMIN_TOKEN);
        assertThat(suspend.status()).isEqualTo(200);
        assertThat(api.get("/api/v1/nodes/" + nodeId, token).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/nodes/" + nodeId, token).problemType()).isEqualTo("node-suspended");
        assertThat(api.post("/api/v1/auth/challenge", Map.of("nodeId", nodeId)).status()).isEqualTo(403);

        api.post("/api/v1/admin/nodes/" + nodeId + "/reinstate", "", IntegrationTest.ADMIN_TOKEN);
        assertThat(api.get("/api/v1/nodes/" + nodeId, token).status()).isEqualTo(200);
    }

    private Map<String, String> rotation(String nonce, TestNodeKey newKey, String byNewKey, String byCurrentKey) {
        return Map.of("nonce", nonce, "newPublicKey", newKey.publicKeyBase64(), "signatureByNewKey", byNewKey,
                "signatureByCurrentKey", byCurrentKey);
    }

    @Test
    void rotatedKeyReplacesTheOldOne() {
        var token = Onboarding.logIn(api, nodeId, key);
        var newKey = TestNodeKey.generate();
        var nonce = nonce();
        var rotated = api.post("/api/v1/auth/rotate",
                rotation(nonce, newKey, newKey.sign(nonce), key.signRotation(nonce, newKey)), token);
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(Onboarding.logIn(api, nodeId, newKey)).isNotBlank();
        var oldKeyNonce = nonce();
        assertThat(verify(oldKeyNonce, key.sign(oldKeyNonce)).problemType()).isEqualTo("signature-invalid");
    }

    @Test
    void rotationNeedsProofOfTheNewKeyAndANodeToken() {
        var token = Onboarding.logIn(api, nodeId, key);
        var newKey = TestNodeKey.generate();
        var nonce = nonce();
        var body = rotation(nonce, newKey, key.sign(nonce), key.signRotation(nonce, newKey));
        assertThat(api.post("/api/v1/auth/rotate", body, token).problemType()).isEqualTo("signature-invalid");
        assertThat(api.post("/api/v1/auth/rotate", body, null).status()).isEqualTo(401);
    }

    @Test
    void aNodeTokenAloneCannotMoveTheNodeToAnotherKey() {
        var token = Onboarding.logIn(api, nodeId, key); // say it leaked: whoever holds it has no node key
        var theirs = TestNodeKey.generate();

        var unsigned = nonce();
        var missing = api.post("/api/v1/auth/rotate", Map.of("nonce", unsigned, "newPublicKey",
                theirs.publicKeyBase64(), "signatureByNewKey", theirs.sign(unsigned)), token);
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().toString()).contains("signatureByCurrentKey");

        var selfSigned = nonce();
        assertThat(api.post("/api/v1/auth/rotate", rotation(selfSigned, theirs, theirs.sign(selfSigned),
                theirs.signRotation(selfSigned, theirs)), token).problemType()).isEqualTo("signature-invalid");

        // The current key's signature over the nonce alone (what a login sends) does not name the new key.
        var loginSignature = nonce();
        assertThat(api.post("/api/v1/auth/rotate", rotation(loginSignature, theirs, theirs.sign(loginSignature),
                key.sign(loginSignature)), token).problemType()).isEqualTo("signature-invalid");

        // Signed for another new key: not valid for theirs.
        var otherKey = TestNodeKey.generate();
        var forOther = nonce();
        assertThat(api.post("/api/v1/auth/rotate", rotation(forOther, theirs, theirs.sign(forOther),
                key.signRotation(forOther, otherKey)), token).problemType()).isEqualTo("signature-invalid");

        assertThat(Onboarding.logIn(api, nodeId, key)).as("the node keeps its key").isNotBlank();
        var theirNonce = nonce();
        assertThat(verify(theirNonce, theirs.sign(theirNonce)).problemType()).isEqualTo("signature-invalid");
        assertThat(jdbc.sql("SELECT key_rotated_at FROM nodes WHERE node_id = :id").param("id", nodeId)
                .query(java.sql.Timestamp.class).optional()).isEmpty();
    }

    @Test
    void challengesAreRateLimitedPerAddress() throws Exception {
        var limited = new ApiClient(port, InetAddress.getByName("127.0.0.9"));
        ApiClient.Response last = null;
        for (int i = 0; i < 3000 && (last == null || last.status() != 429); i++) {
            last = limited.post("/api/v1/auth/challenge", Map.of("nodeId", "node-rate-limit-probe"));
        }
        assertThat(last.status()).isEqualTo(429);
        assertThat(last.problemType()).isEqualTo("rate-limited");
        assertThat(last.headers().get("retry-after")).isNotEmpty();
        assertThat(api.post("/api/v1/auth/challenge", Map.of("nodeId", nodeId)).status())
                .as("other addresses are not limited")
                .isEqualTo(200);
    }

    @Test
    void tokensNoncesAndKeysNeverReachTheLog(CapturedOutput output) {
        var applicationId = applications.submit(Onboarding.form("Log Check", Tier.ORACLE), "127.0.0.1");
        var installToken = api.post("/api/v1/admin/applications/" + applicationId + "/approve", "",
                        IntegrationTest.ADMIN_TOKEN)
                .text("installToken");
        var freshKey = TestNodeKey.generate();
        var registered = api.post("/api/v1/auth/register",
                Onboarding.registration(installToken, freshKey, null));
        var id = registered.text("nodeId");
        var nonce = api.post("/api/v1/auth/challenge", Map.of("nodeId", id)).text("nonce");
        var access = api.post("/api/v1/auth/verify", Map.of("nodeId", id, "nonce", nonce, "signature",
                freshKey.sign(nonce))).text("accessToken");
        assertThat(output.getAll())
                .contains(id)
                .doesNotContain(installToken)
                .doesNotContain(IntegrationTest.ADMIN_TOKEN)
                .doesNotContain(nonce)
                .doesNotContain(access)
                .doesNotContain(freshKey.publicKeyBase64());
    }
}
