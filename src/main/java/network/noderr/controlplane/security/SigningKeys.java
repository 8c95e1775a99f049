package network.noderr.controlplane.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The control plane's ES256 keys for node access tokens, kept in PostgreSQL so every replica signs and verifies
 * with the same keys and restarts keep them. The newest unretired key signs (read from the database for every token,
 * so a rotation on any replica takes effect everywhere at once); retired keys still verify for one token lifetime
 * after their retirement, checked on every lookup. The verification keys are cached for {@link #REFRESH}, so another
 * replica's rotation reaches this one's verification within that time. Anyone with database access can read these
 * keys: protect the database.
 */
@Component
class SigningKeys {

    /** How long this replica trusts its cached copy of the keys before reading them again. */
    static final Duration REFRESH = Duration.ofSeconds(30);

    private record StoredKey(ECKey key, @Nullable Instant retiredAt) {}

    private record Loaded(List<StoredKey> keys, Instant loadedAt) {}

    private final JdbcClient jdbc;
    private final Clock clock;
    private final NodeAuthProperties properties;
    private final TransactionTemplate transactions;
    private final AtomicReference<@Nullable Loaded> cache = new AtomicReference<>();

    SigningKeys(JdbcClient jdbc, Clock clock, NodeAuthProperties properties, PlatformTransactionManager txManager) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.transactions = new TransactionTemplate(txManager);
    }

    /** The key that signs new tokens: the newest unretired one in the database, created on first use. */
    ECKey active() {
        var current = currentSigningKey();
        if (current == null) {
            rotate(true);
            current = currentSigningKey();
        }
        if (current == null) {
            throw new IllegalStateException("No unretired JWT signing key after creating one");
        }
        return current;
    }

    private @Nullable ECKey currentSigningKey() {
        return jdbc.sql("SELECT jwk FROM jwt_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1")
                .query(String.class)
                .optional()
                .map(SigningKeys::parse)
                .orElse(null);
    }

    /**
     * Every key that may have signed a still-valid token, newest first (public and private parts): unretired keys
     * and keys retired less than one token lifetime ago, judged now, from a copy at most {@link #REFRESH} old.
     */
    JWKSet verificationKeys() {
        var loaded = cache.get();
        var now = clock.instant();
        if (loaded == null || !now.isBefore(loaded.loadedAt().plus(REFRESH)) || now.isBefore(loaded.loadedAt())) {
            loaded = load();
        }
        return usable(loaded, now);
    }

    /** Re-reads the keys, e.g. when a token names a key this replica has not seen yet. */
    JWKSet reload() {
        return usable(load(), clock.instant());
    }

    private JWKSet usable(Loaded loaded, Instant now) {
        var oldest = now.minus(properties.tokenTtl());
        return new JWKSet(loaded.keys().stream()
                .filter(k -> k.retiredAt() == null || k.retiredAt().isAfter(oldest))
                .map(k -> (JWK) k.key())
                .toList());
    }

    private Loaded load() {
        var now = clock.instant();
        var oldest = Timestamp.from(now.minus(properties.tokenTtl()));
        var keys = jdbc.sql("""
                        SELECT jwk, retired_at FROM jwt_signing_keys
                        WHERE retired_at IS NULL OR retired_at > :oldest
                        ORDER BY retired_at IS NOT NULL, created_at DESC""")
                .param("oldest", oldest)
                .query((rs, i) -> {
                    var retired = rs.getTimestamp("retired_at");
                    return new StoredKey(parse(rs.getString("jwk")), retired == null ? null : retired.toInstant());
                })
                .list();
        var loaded = new Loaded(keys, now);
        cache.set(loaded);
        return loaded;
    }

    /** Makes a new key the signing key and retires the previous one (it keeps verifying for one token lifetime). */
    String rotate() {
        var kid = rotate(false);
        if (kid == null) {
            throw new IllegalStateException("rotation created no key");
        }
        return kid;
    }

    /**
     * Rotates in its own transaction (joining a caller's), serialised across replicas by a table lock. With
     * {@code onlyIfNone} it creates a key only when no unretired one exists (first use) and returns null otherwise.
     * The cache is dropped after the commit, so a read in between cannot keep the previous keys.
     */
    private @Nullable String rotate(boolean onlyIfNone) {
        return transactions.execute(status -> {
            jdbc.sql("LOCK TABLE jwt_signing_keys IN SHARE ROW EXCLUSIVE MODE").update();
            if (onlyIfNone && currentSigningKey() != null) {
                return null;
            }
            ECKey key;
            try {
                key = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
            } catch (JOSEException e) {
                throw new IllegalStateException("Could not generate a P-256 signing key", e);
            }
            var now = Timestamp.from(clock.instant());
            jdbc.sql("UPDATE jwt_signing_keys SET retired_at = :now WHERE retired_at IS NULL")
                    .param("now", now)
                    .update();
            jdbc.sql("INSERT INTO jwt_signing_keys (kid, jwk, created_at) VALUES (:kid, :jwk, :now)")
                    .param("kid", key.getKeyID())
                    .param("jwk", key.toJSONString())
                    .param("now", now)
                    .update();
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int completion) {
                    cache.set(null);
                }
            });
            return key.getKeyID();
        });
    }

    private static ECKey parse(String json) {
        try {
            return ECKey.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException("A stored JWT signing key is not a valid EC JWK", e);
        }
    }
}
