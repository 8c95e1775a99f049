package network.noderr.controlplane.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The control plane's ES256 keys for node access tokens, kept in PostgreSQL so every replica signs and verifies
 * with the same keys and restarts keep them. The newest unretired key signs; retired keys still verify until the
 * tokens they signed have expired. Anyone with database access can read these keys: protect the database.
 */
@Component
class SigningKeys {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final NodeAuthProperties properties;
    private final AtomicReference<JWKSet> cache = new AtomicReference<>();

    SigningKeys(JdbcClient jdbc, Clock clock, NodeAuthProperties properties) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
    }

    /** The key that signs new tokens, created on first use. */
    ECKey active() {
        var keys = verificationKeys();
        if (keys.getKeys().isEmpty()) {
            rotate();
            keys = verificationKeys();
        }
        return (ECKey) keys.getKeys().getFirst();
    }

    /** Every key that may have signed a still-valid token, newest first (public and private parts). */
    JWKSet verificationKeys() {
        var cached = cache.get();
        return cached != null ? cached : reload();
    }

    /** Re-reads the keys, e.g. when a token names a key this replica has not seen yet. */
    JWKSet reload() {
        var oldest = Timestamp.from(clock.instant().minus(properties.tokenTtl()));
        List<String> jwks = jdbc.sql("""
                        SELECT jwk FROM jwt_signing_keys
                        WHERE retired_at IS NULL OR retired_at > :oldest
                        ORDER BY retired_at IS NOT NULL, created_at DESC""")
                .param("oldest", oldest)
                .query(String.class)
                .list();
        var set = new JWKSet(jwks.stream().map(SigningKeys::parse).map(k -> (com.nimbusds.jose.jwk.JWK) k).toList());
        cache.set(set);
        return set;
    }

    /** Makes a new key the signing key and retires the previous one (it keeps verifying for one token lifetime). */
    @Transactional
    String rotate() {
        try {
            var key = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
            var now = Timestamp.from(clock.instant());
            jdbc.sql("UPDATE jwt_signing_keys SET retired_at = :now WHERE retired_at IS NULL")
                    .param("now", now)
                    .update();
            jdbc.sql("INSERT INTO jwt_signing_keys (kid, jwk, created_at) VALUES (:kid, :jwk, :now)")
                    .param("kid", key.getKeyID())
                    .param("jwk", key.toJSONString())
                    .param("now", now)
                    .update();
            cache.set(null);
            return key.getKeyID();
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not generate a P-256 signing key", e);
        }
    }

    private static ECKey parse(String json) {
        try {
            return ECKey.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException("A stored JWT signing key is not a valid EC JWK", e);
        }
    }
}
