package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Node access tokens: expiry, signing-key rotation, and tokens from keys the control plane never had. */
@IntegrationTest
class NodeTokensTest {

    @LocalServerPort
    int port;

    @Autowired
    NodeTokens tokens;

    @Autowired
    SigningKeys signingKeys;

    @Autowired
    NodeAuthProperties properties;

    @Autowired
    JdbcClient jdbc;

    String nodeId;
    ApiClient api;

    @BeforeEach
    void node() {
        nodeId = "node-jwt-" + System.nanoTime();
        TestNodes.insert(jdbc, nodeId, "ORACLE");
        api = new ApiClient(port);
    }

    private int callWith(String token) {
        return api.get("/api/v1/nodes/" + nodeId, token).status();
    }

    @Test
    void freshTokenCarriesSubjectTierAndKeyId() {
        var token = tokens.issue(nodeId, Tier.ORACLE);
        assertThat(token.expiresIn()).isEqualTo(properties.tokenTtl().toSeconds());
        var header = new String(Base64.getUrlDecoder().decode(token.accessToken().split("\\.")[0]));
        var claims = new String(Base64.getUrlDecoder().decode(token.accessToken().split("\\.")[1]));
        assertThat(header).contains("\"alg\":\"ES256\"").contains("\"kid\"");
        assertThat(claims).contains("\"sub\":\"" + nodeId + "\"").contains("\"tier\":\"ORACLE\"");
        assertThat(callWith(token.accessToken())).isEqualTo(200);
    }

    @Test
    void expiredTokenIsRefused() {
        var past = Clock.fixed(Instant.now().minus(properties.tokenTtl()).minus(Duration.ofMinutes(2)), ZoneOffset.UTC);
        var expired = new NodeTokens(signingKeys, properties, past).issue(nodeId, Tier.ORACLE);
        assertThat(callWith(expired.accessToken())).isEqualTo(401);
    }

    /** The control plane issues and checks on one clock: no minute of grace after the expiry, and no token without. */
    @Test
    void aTokenIsRefusedFromItsExpiryOnAndOneWithoutAnExpiryIsRefused() throws Exception {
        var justPast = Clock.fixed(Instant.now().minus(properties.tokenTtl()).minusSeconds(10), ZoneOffset.UTC);
        var expired = new NodeTokens(signingKeys, properties, justPast).issue(nodeId, Tier.ORACLE);
        assertThat(callWith(expired.accessToken())).as("expired 10 s ago").isEqualTo(401);

        var key = signingKeys.active().toECKey();
        var claims = new JWTClaimsSet.Builder()
                .issuer(properties.issuer())
                .subject(nodeId)
                .claim("tier", "ORACLE")
                .issueTime(new Date())
                .build();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        assertThat(callWith(jwt.serialize())).as("signed with the real key, no expiry").isEqualTo(401);

        claims = new JWTClaimsSet.Builder(claims).expirationTime(Date.from(Instant.now().plusSeconds(300))).build();
        jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        assertThat(callWith(jwt.serialize())).as("the same with an expiry").isEqualTo(200);
    }

    @Test
    void tokensSignedBeforeASigningKeyRotationStayValidAndNewOnesUseTheNewKey() {
        var before = tokens.issue(nodeId, Tier.ORACLE).accessToken();
        var newKid = tokens.rotateSigningKey();
        var after = tokens.issue(nodeId, Tier.ORACLE).accessToken();
        assertThat(new String(Base64.getUrlDecoder().decode(after.split("\\.")[0]))).contains(newKid);
        assertThat(callWith(before)).isEqualTo(200);
        assertThat(callWith(after)).isEqualTo(200);
    }

    @Test
    void adminsRotateTheSigningKeyThroughTheManagementApi() {
        var before = tokens.issue(nodeId, Tier.ORACLE).accessToken();
        var rotated = api.post("/api/v1/admin/node-token-keys/rotate", "", IntegrationTest.ADMIN_TOKEN);
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(signingKeys.active().getKeyID()).isEqualTo(rotated.text("keyId"));
        assertThat(callWith(before)).isEqualTo(200);
        assertThat(api.post("/api/v1/admin/node-token-keys/rotate", "", null).status()).isEqualTo(401);
    }

    @Test
    void tokenSignedByAKeyTheControlPlaneNeverHadIsRefused() throws Exception {
        var foreign = new ECKeyGenerator(Curve.P_256).keyID(signingKeys.active().getKeyID()).generate();
        var claims = new JWTClaimsSet.Builder()
                .issuer(properties.issuer())
                .subject(nodeId)
                .claim("tier", "ORACLE")
                .issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .build();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(foreign.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(foreign));
        assertThat(callWith(jwt.serialize())).isEqualTo(401);
    }
}
