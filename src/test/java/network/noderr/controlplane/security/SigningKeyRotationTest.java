package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.MutableClock;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * A retired node-token signing key verifies for one token lifetime after its retirement and then stops, on every
 * replica; new tokens are signed with the new key everywhere. Two {@link SigningKeys} on one database stand for two
 * replicas, with a clock the test moves.
 */
@IntegrationTest
class SigningKeyRotationTest {

    @Autowired
    JdbcClient jdbc;

    @Autowired
    NodeAuthProperties properties;

    @Autowired
    PlatformTransactionManager txManager;

    MutableClock clock;

    @BeforeEach
    void clock() {
        // Later than any key other tests create, so the keys retired here are the newest retirements.
        clock = new MutableClock(Instant.now().plus(Duration.ofDays(1)));
    }

    private SigningKeys replica() {
        return new SigningKeys(jdbc, clock, properties, txManager);
    }

    /** A token signed with {@code key} now, as a leaked key or a slow replica would sign it. */
    private String signedNowWith(ECKey key) throws Exception {
        var now = clock.instant();
        var claims = new JWTClaimsSet.Builder()
                .issuer(properties.issuer())
                .subject("node-rotation")
                .claim("tier", "ORACLE")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(properties.tokenTtl())))
                .build();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static String kid(String token) {
        return new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
    }

    @Test
    void aRetiredKeyVerifiesForOneTokenLifetimeAfterItsRetirementThenNoMore() throws Exception {
        var keys = replica();
        var tokens = new NodeTokens(keys, properties, clock);
        var decoder = tokens.decoder();
        var old = keys.active();
        var longLived = signedNowWith(old);
        assertThat(decoder.decode(longLived).getSubject()).isEqualTo("node-rotation");

        var newKid = keys.rotate();
        assertThat(keys.active().getKeyID()).isEqualTo(newKid);
        assertThat(kid(tokens.issue("node-rotation", Tier.ORACLE).accessToken())).contains(newKid);

        clock.advance(properties.tokenTtl().minusSeconds(1));
        var lateButInWindow = signedNowWith(old);
        assertThat(decoder.decode(lateButInWindow).getSubject())
                .as("the retired key still verifies within one token lifetime of its retirement")
                .isEqualTo("node-rotation");

        clock.advance(Duration.ofSeconds(2));
        assertThat(keys.verificationKeys().getKeyByKeyId(old.getKeyID())).isNull();
        assertThatThrownBy(() -> decoder.decode(signedNowWith(old)))
                .as("a token the retired key signed after its window")
                .isInstanceOf(JwtException.class);
        assertThatThrownBy(() -> decoder.decode(lateButInWindow))
                .as("a token verified and remembered inside the window, still unexpired, no longer counts")
                .isInstanceOf(JwtException.class);
    }

    @Test
    void aReplicaThatLoadedTheKeysBeforeARotationSignsWithTheNewKeyAndFollowsTheRetirement() throws Exception {
        var rotating = replica();
        var other = replica();
        var old = rotating.active();
        assertThat(other.verificationKeys().getKeyByKeyId(old.getKeyID())).as("loaded before the rotation").isNotNull();

        var newKid = rotating.rotate();
        var otherTokens = new NodeTokens(other, properties, clock);
        var issued = otherTokens.issue("node-rotation", Tier.ORACLE).accessToken();
        assertThat(kid(issued)).as("signed with the new key at once").contains(newKid);
        assertThat(otherTokens.decoder().decode(issued).getSubject()).isEqualTo("node-rotation");

        clock.advance(SigningKeys.REFRESH.plusSeconds(1));
        assertThat(other.verificationKeys().getKeyByKeyId(newKid))
                .as("the new key is known after the refresh without any token asking for it").isNotNull();

        clock.advance(properties.tokenTtl());
        assertThat(other.verificationKeys().getKeyByKeyId(old.getKeyID())).isNull();
        assertThatThrownBy(() -> otherTokens.decoder().decode(signedNowWith(old))).isInstanceOf(JwtException.class);
    }
}
