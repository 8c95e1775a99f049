package network.noderr.controlplane.security;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
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
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The control plane's ES256 keys for node access tokens, kept in PostgreSQL so every replica signs and verifies
 * with the same keys and restarts keep them. The newest unretired key signs; retired keys still verify for one token
 * lifetime plus {@link #REFRESH} after their retirement, checked on every lookup. Each replica reads the keys once
 * per {@link #REFRESH} into one copy, from which it both signs and verifies, so a mass login costs no database read
 * per token. A rotation on this replica takes effect here at once (the copy is dropped after the commit); another
 * replica's rotation reaches this one within {@link #REFRESH}, or at once when a token signed by the new key arrives
 * here (an unknown key makes it read the keys again). Until then this replica may still sign with the retired key:
 * that is why a retired key verifies {@link #REFRESH} longer than a token lives, so that such a token stays valid
 * to its end on every replica. Anyone with database access can read these keys: protect the database.
 */
@Component
class SigningKeys {

    /** How long a replica uses its copy of the keys (the signing key too) before reading them again. */
    static final Duration REFRESH = Duration.ofSeconds(30);

    /** Least time between two reads of the keys asked for by tokens naming an unknown key. */
    static final Duration MIN_RELOAD = Duration.ofSeconds(1);

    private record StoredKey(ECKey key, @Nullable Instant retiredAt) {}

    /** The keys read at one time: unretired first, newest first within each part. */
    private record Loaded(List<StoredKey> keys, Instant loadedAt) {

        @Nullable ECKey signing() {
            return keys.stream().filter(k -> k.retiredAt() == null).findFirst().map(StoredKey::key).orElse(null);
        }
    }

    /** The copy's one key. */
    private static final String KEYS = "keys";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final NodeAuthProperties properties;
    private final TransactionTemplate transactions;
    private final LoadingCache<String, Loaded> cache;

    @Autowired
    SigningKeys(JdbcClient jdbc, Clock clock, NodeAuthProperties properties, PlatformTransactionManager txManager) {
        this(jdbc, clock, properties, txManager, Ticker.systemTicker());
    }

    /** With the ticker that measures {@link #REFRESH} (tests move it). */
    SigningKeys(JdbcClient jdbc, Clock clock, NodeAuthProperties properties, PlatformTransactionManager txManager,
            Ticker ticker) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.transactions = new TransactionTemplate(txManager);
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfterWrite(REFRESH)
                .build(k -> load());
    }

    /**
     * The key that signs new tokens: the newest unretired one in this replica's copy of the keys (at most
     * {@link #REFRESH} old), created on first use.
     */
    ECKey active() {
        var current = cache.get(KEYS).signing();
        if (current == null) {
            rotate(true);
            current = reloaded().signing(); // created here, or by another replica meanwhile
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
     * and keys retired less than one token lifetime plus {@link #REFRESH} ago, judged now, from a copy at most
     * {@link #REFRESH} old.
     */
    JWKSet verificationKeys() {
        return usable(cache.get(KEYS), clock.instant());
    }

    /**
     * Re-reads the keys, e.g. when a token names a key this replica has not seen yet (another replica may just have
     * rotated), unless they were read less than {@link #MIN_RELOAD} ago: such a token can come from anyone,
     * unauthenticated and as often as they like, so it must not cost a database read each time.
     */
    JWKSet reload() {
        var loaded = cache.get(KEYS);
        var now = clock.instant();
        if (!now.isBefore(loaded.loadedAt().plus(MIN_RELOAD)) || now.isBefore(loaded.loadedAt())) {
            loaded = reloaded();
        }
        return usable(loaded, now);
    }

    private Loaded reloaded() {
        var loaded = load();
        cache.put(KEYS, loaded);
        return loaded;
    }

    /** How long a retired key keeps verifying: a token's lifetime, plus the time a replica may still sign with it. */
    private Duration retiredKeyVerifies() {
        return properties.tokenTtl().plus(REFRESH);
    }

    private JWKSet usable(Loaded loaded, Instant now) {
        var oldest = now.minus(retiredKeyVerifies());
        return new JWKSet(loaded.keys().stream()
                .filter(k -> k.retiredAt() == null || k.retiredAt().isAfter(oldest))
                .map(k -> (JWK) k.key())
                .toList());
    }

    private Loaded load() {
        var now = clock.instant();
        var oldest = Timestamp.from(now.minus(retiredKeyVerifies()));
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
        return new Loaded(keys, now);
    }

    /**
     * Makes a new key the signing key and retires the previous one (it keeps verifying for one token lifetime plus
     * {@link #REFRESH}).
     */
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
                    cache.invalidate(KEYS); // waits for a read of the keys under way, then drops it
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
