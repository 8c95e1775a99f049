package network.noderr.controlplane.security;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Sha256;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Management-API tokens. A token is 256 random bits shown to its owner once; only its SHA-256 is stored (a slow
 * password hash adds nothing for a secret with that much entropy, and lookups stay one index probe). A token
 * carries its owner's current role, so demoting a user demotes their tokens.
 */
@Service
public class ApiTokens {

    /** Prefix that makes tokens recognisable to secret scanners and people. */
    public static final String PREFIX = "ndr_";

    /** Shortest token accepted when one is supplied from outside (the bootstrap token from the environment). */
    public static final int MIN_SUPPLIED_LENGTH = 32;

    private static final Duration LAST_USED_GRANULARITY = Duration.ofMinutes(1);

    /** Most usable (not revoked, not expired) tokens a user may hold; creating another one is refused. */
    public static final int MAX_USABLE_PER_USER = 50;

    /** Most tokens a list shows (newest first); older revoked or expired ones are left out. */
    public static final int MAX_LISTED = 200;

    private final JdbcClient jdbc;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    ApiTokens(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * A freshly issued token: {@code token} is shown once and never stored. {@code expiresAt} is when it stops
     * working (null: never), which may be earlier than asked for (a token created with an expiring token).
     */
    public record IssuedToken(
            @org.jspecify.annotations.NonNull UUID id,
            @org.jspecify.annotations.NonNull String name,
            @org.jspecify.annotations.NonNull String token,
            java.time.@org.jspecify.annotations.Nullable Instant expiresAt) {}

    /** Who a presented token belongs to. */
    public record TokenOwner(UUID tokenId, UUID userId, String username, Role role) {}

    /** Issues a new random token for a user. */
    @Transactional
    public IssuedToken issue(UUID userId, String name) {
        var bytes = new byte[32];
        random.nextBytes(bytes);
        var token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return new IssuedToken(store(userId, name, token), name, token, null);
    }

    /**
     * Registers a token chosen outside the system (the bootstrap token), unless one with the same value exists.
     *
     * @return true when it was added
     */
    @Transactional
    public boolean registerSupplied(UUID userId, String name, String token) {
        if (token.length() < MIN_SUPPLIED_LENGTH) {
            throw new IllegalArgumentException(
                    "An API token must have at least " + MIN_SUPPLIED_LENGTH + " characters.");
        }
        var exists = jdbc.sql("SELECT count(*) FROM api_tokens WHERE token_hash = :hash")
                        .param("hash", hash(token))
                        .query(Long.class)
                        .single()
                > 0;
        if (exists) {
            return false;
        }
        store(userId, name, token);
        return true;
    }

    /** The owner of a valid (known, not revoked, not expired, owner enabled) token. */
    @Transactional
    public Optional<TokenOwner> authenticate(String token) {
        var now = Timestamp.from(clock.instant());
        var owner = jdbc.sql("""
                        SELECT t.id AS token_id, u.id AS user_id, u.username, u.role
                        FROM api_tokens t JOIN users u ON u.id = t.user_id
                        WHERE t.token_hash = :hash AND t.revoked_at IS NULL
                          AND (t.expires_at IS NULL OR t.expires_at > :now) AND u.enabled""")
                .param("hash", hash(token))
                .param("now", now)
                .query((rs, i) -> new TokenOwner(
                        rs.getObject("token_id", UUID.class),
                        rs.getObject("user_id", UUID.class),
                        rs.getString("username"),
                        Role.valueOf(rs.getString("role"))))
                .optional();
        owner.ifPresent(o -> jdbc.sql("""
                        UPDATE api_tokens SET last_used_at = :now
                        WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :stale)""")
                .param("now", now)
                .param("stale", Timestamp.from(clock.instant().minus(LAST_USED_GRANULARITY)))
                .param("id", owner.get().tokenId())
                .update());
        return owner;
    }

    /** When a token stops working: {@code null} inside when it never expires, empty when there is no such token. */
    public Optional<Optional<java.time.Instant>> expiry(UUID tokenId) {
        return jdbc.sql("SELECT expires_at FROM api_tokens WHERE id = :id")
                .param("id", tokenId)
                .query((rs, i) -> Optional.ofNullable(instant(rs.getTimestamp("expires_at"))))
                .optional();
    }

    /** A token as its owner sees it later: never the token itself. */
    public record TokenInfo(@org.jspecify.annotations.NonNull UUID id, @org.jspecify.annotations.NonNull String name,
            java.time.@org.jspecify.annotations.NonNull Instant createdAt,
            java.time.@org.jspecify.annotations.Nullable Instant expiresAt,
            java.time.@org.jspecify.annotations.Nullable Instant lastUsedAt,
            java.time.@org.jspecify.annotations.Nullable Instant revokedAt) {}

    /** A user's tokens, newest first (revoked ones too, marked). */
    public java.util.List<TokenInfo> list(UUID userId) {
        return jdbc.sql("""
                        SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens
                        WHERE user_id = :user ORDER BY created_at DESC LIMIT :limit""")
                .param("user", userId)
                .param("limit", MAX_LISTED)
                .query((rs, i) -> new TokenInfo(rs.getObject("id", UUID.class), rs.getString("name"),
                        rs.getTimestamp("created_at").toInstant(), instant(rs.getTimestamp("expires_at")),
                        instant(rs.getTimestamp("last_used_at")), instant(rs.getTimestamp("revoked_at"))))
                .list();
    }

    /** Issues a token that stops working at {@code expiresAt} (null = never). */
    @Transactional
    public IssuedToken issue(UUID userId, String name, java.time.@org.jspecify.annotations.Nullable Instant expiresAt) {
        return issue(userId, name, expiresAt, null);
    }

    /**
     * Issues a token that stops working at {@code expiresAt} (null = never), created with the API token
     * {@code parentId} (null: not created with one). Revoking the parent revokes it.
     */
    @Transactional
    public IssuedToken issue(UUID userId, String name, java.time.@org.jspecify.annotations.Nullable Instant expiresAt,
            @org.jspecify.annotations.Nullable UUID parentId) {
        var issued = issue(userId, name);
        if (expiresAt != null || parentId != null) {
            jdbc.sql("UPDATE api_tokens SET expires_at = :at, parent_id = :parent WHERE id = :id")
                    .param("at", expiresAt == null ? null : Timestamp.from(expiresAt))
                    .param("parent", parentId)
                    .param("id", issued.id())
                    .update();
        }
        return new IssuedToken(issued.id(), issued.name(), issued.token(), expiresAt);
    }

    /**
     * Issues a token a user asked for themselves, as {@link #issue(UUID, String, java.time.Instant, UUID)}, unless they
     * already hold {@link #MAX_USABLE_PER_USER} usable tokens: one account (or one leaked token) cannot add rows
     * without bound. A user's creations are serialised by a lock on their row, so concurrent ones cannot pass the
     * limit together.
     *
     * @throws ProblemException 409 {@code too-many-tokens} at the limit
     */
    @Transactional
    public IssuedToken issueOwn(UUID userId, String name,
            java.time.@org.jspecify.annotations.Nullable Instant expiresAt,
            @org.jspecify.annotations.Nullable UUID parentId) {
        jdbc.sql("SELECT id FROM users WHERE id = :user FOR UPDATE").param("user", userId).query(UUID.class).single();
        long usable = jdbc.sql("""
                        SELECT count(*) FROM api_tokens
                        WHERE user_id = :user AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now)""")
                .param("user", userId)
                .param("now", Timestamp.from(clock.instant()))
                .query(Long.class)
                .single();
        if (usable >= MAX_USABLE_PER_USER) {
            throw new ProblemException(409, "too-many-tokens",
                    "Too many API tokens", "You hold " + usable + " usable API tokens, the most allowed: revoke "
                            + "ones you no longer use, then create this one.");
        }
        return issue(userId, name, expiresAt, parentId);
    }

    private static java.time.@org.jspecify.annotations.Nullable Instant instant(
            @org.jspecify.annotations.Nullable Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    /**
     * Revokes a token of the given user, and every token created with it (and with those, and so on): a token
     * minted with a leaked token must not outlive its revocation.
     *
     * @return false when the user has no such active token (nothing changes)
     */
    @Transactional
    public boolean revoke(UUID userId, UUID tokenId) {
        var now = Timestamp.from(clock.instant());
        var revoked = jdbc.sql("""
                        UPDATE api_tokens SET revoked_at = :now
                        WHERE id = :id AND user_id = :user AND revoked_at IS NULL""")
                        .param("now", now)
                        .param("id", tokenId)
                        .param("user", userId)
                        .update()
                == 1;
        if (revoked) {
            jdbc.sql("""
                            WITH RECURSIVE descendants (id) AS (
                                SELECT id FROM api_tokens WHERE parent_id = :id
                                UNION
                                SELECT t.id FROM api_tokens t JOIN descendants d ON t.parent_id = d.id)
                            UPDATE api_tokens SET revoked_at = :now
                            WHERE id IN (SELECT id FROM descendants) AND revoked_at IS NULL""")
                    .param("now", now)
                    .param("id", tokenId)
                    .update();
        }
        return revoked;
    }

    private UUID store(UUID userId, String name, String token) {
        return jdbc.sql("""
                        INSERT INTO api_tokens (user_id, name, token_hash) VALUES (:user, :name, :hash)
                        RETURNING id""")
                .param("user", userId)
                .param("name", name)
                .param("hash", hash(token))
                .query(UUID.class)
                .single();
    }

    static String hash(String token) {
        return Sha256.hex(token);
    }
}
