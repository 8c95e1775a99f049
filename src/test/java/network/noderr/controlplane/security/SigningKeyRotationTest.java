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
import java.util.Date;
import java.util.concurrent.TimeUnit;
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
 * A retired node-token signing key verifies for one token lifetime plus the keys' refresh after its retirement and
 * then stops, on every replica; a replica signs from its copy of the keys without reading the database per token,
 * and with another replica's new key once its copy is older than the refresh. Two {@link SigningKeys} on one
 * database stand for two replicas, with a clock the test moves; the copies' ticker follows that clock.
 */
@IntegrationTest
class SigningKeyRotationTest {

    @Autowired
    JdbcClient jdbc;

    @Autowired
    NodeAuthProperties properties;

    @Autowired
    PlatformTransactionManager txManager;

    @Autowired
    javax.sql.DataSource dataSource;

    MutableClock clock;

    @BeforeEach
    void clock() {
        // Later than any key other tests create, so the keys retired here are the newest retirements.
        clock = new MutableClock(Instant.now().plus(Duration.ofDays(1)));
    }

    private SigningKeys replica() {
        return new SigningKeys(jdbc, clock, properties, txManager,
                () -> TimeUnit.MILLISECONDS.toNanos(clock.millis()));
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

    private static String kid(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    @Test
    void aRetiredKeyVerifiesForOneTokenLifetimePlusTheRefreshAfterItsRetirementThenNoMore() throws Exception {
        var keys = replica();
        var tokens = new NodeTokens(keys, properties, clock);
        var decoder = tokens.decoder();
        var old = keys.active();
        var longLived = signedNowWith(old);
        assertThat(decoder.decode(longLived).getSubject()).isEqualTo("node-rotation");

        var newKid = keys.rotate();
        assertThat(keys.active().getKeyID()).as("this replica's own rotation: at once").isEqualTo(newKid);
        assertThat(kid(tokens.issue("node-rotation", Tier.ORACLE).accessToken())).isEqualTo(newKid);

        clock.advance(properties.tokenTtl().plus(SigningKeys.REFRESH).minusSeconds(1));
        var lateButInWindow = signedNowWith(old);
        assertThat(decoder.decode(lateButInWindow).getSubject())
                .as("the retired key still verifies within one token lifetime plus the refresh of its retirement")
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

    /**
     * Another replica's rotation: this replica keeps signing with its copy's key (no database read per token: it
     * would have seen the new key) until the copy is older than the refresh, then with the new key. A token it
     * signed with the retired key at the last moment stays valid to its end, on the rotating replica too.
     */
    @Test
    void aReplicaSignsFromItsCopyOfTheKeysAndTakesAnotherReplicasRotationAfterTheRefresh() throws Exception {
        var rotating = replica();
        var other = replica();
        var otherTokens = new NodeTokens(other, properties, clock);
        var old = kid(otherTokens.issue("node-rotation", Tier.ORACLE).accessToken());

        var newKid = rotating.rotate();
        for (int i = 0; i < 200; i++) {
            assertThat(kid(otherTokens.issue("node-rotation", Tier.ORACLE).accessToken()))
                    .as("signed from the copy read before the rotation").isEqualTo(old);
        }
        clock.advance(SigningKeys.REFRESH.minusMillis(1));
        var lastOfTheOldKey = otherTokens.issue("node-rotation", Tier.ORACLE).accessToken();
        assertThat(kid(lastOfTheOldKey)).as("the copy is not older than the refresh yet").isEqualTo(old);

        clock.advance(Duration.ofMillis(1));
        var issued = otherTokens.issue("node-rotation", Tier.ORACLE).accessToken();
        assertThat(kid(issued)).as("the copy read again: the new key signs").isEqualTo(newKid);
        assertThat(otherTokens.decoder().decode(issued).getSubject()).isEqualTo("node-rotation");
        assertThat(other.verificationKeys().getKeyByKeyId(newKid)).isNotNull();

        // Just before the last token of the retired key expires: it still verifies, on either replica.
        clock.advance(properties.tokenTtl().minusSeconds(1));
        var rotatingTokens = new NodeTokens(rotating, properties, clock);
        assertThat(rotatingTokens.decoder().decode(lastOfTheOldKey).getSubject()).isEqualTo("node-rotation");
        assertThat(new NodeTokens(other, properties, clock).decoder().decode(lastOfTheOldKey).getSubject())
                .isEqualTo("node-rotation");

        clock.advance(SigningKeys.REFRESH);
        assertThat(other.verificationKeys().getKeyByKeyId(old)).as("retired a token lifetime plus the refresh ago")
                .isNull();
        assertThat(rotating.verificationKeys().getKeyByKeyId(old)).isNull();
    }

    @Test
    void aReplicaThatNeverReadTheKeysSignsWithTheNewKeyAtOnce() throws Exception {
        var rotating = replica();
        rotating.active();
        var newKid = rotating.rotate();
        var other = replica();
        assertThat(kid(new NodeTokens(other, properties, clock).issue("node-rotation", Tier.ORACLE).accessToken()))
                .isEqualTo(newKid);
    }

    /**
     * A token naming a key this replica does not know makes it read the keys again (another replica may have rotated
     * a moment ago), but at most once per {@link SigningKeys#MIN_RELOAD}: anyone can send such tokens as fast as they
     * like, unauthenticated, and each must not cost a database read. Connections taken are counted.
     */
    @Test
    void tokensNamingUnknownKeysReadTheKeysAtMostOncePerInterval() throws Exception {
        var reads = new java.util.concurrent.atomic.AtomicInteger();
        var counting = new org.springframework.jdbc.datasource.DelegatingDataSource(dataSource) {
            @Override
            public java.sql.Connection getConnection() throws java.sql.SQLException {
                reads.incrementAndGet();
                return super.getConnection();
            }
        };
        var keys = new SigningKeys(JdbcClient.create(counting), clock, properties, txManager);
        var decoder = new NodeTokens(keys, properties, clock).decoder();
        keys.verificationKeys();
        reads.set(0);
        for (int i = 0; i < 50; i++) {
            var forged = signedNowWith(new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256)
                    .keyID(java.util.UUID.randomUUID().toString()).generate());
            assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(JwtException.class);
        }
        assertThat(reads.get()).as("no read within the interval after the last one").isZero();

        // Another replica rotates; once the interval has passed, a token naming the new key reads the keys once.
        var other = replica();
        var newKid = other.rotate();
        var newKey = (ECKey) other.verificationKeys().getKeyByKeyId(newKid);
        clock.advance(SigningKeys.MIN_RELOAD);
        assertThat(decoder.decode(signedNowWith(newKey)).getSubject()).isEqualTo("node-rotation");
        assertThat(reads.get()).isEqualTo(1);
        var forged = signedNowWith(new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256)
                .keyID("unknown").generate());
        for (int i = 0; i < 50; i++) {
            assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(JwtException.class);
        }
        assertThat(reads.get()).as("still the one read").isEqualTo(1);
    }
}
