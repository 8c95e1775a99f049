package network.noderr.controlplane.applications;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Sha256;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Single-use install tokens: 256 random bits, shown once, stored only as SHA-256, bound to a tier, expiring.
 * Consumption is one conditional UPDATE, so of two concurrent registrations with one token exactly one wins; it
 * runs inside the caller's transaction, so a registration that fails afterwards leaves the token unused.
 */
@Service
public class InstallTokens {

    /** Prefix that makes install tokens recognisable. */
    public static final String PREFIX = "nit_";

    /** A token that was just consumed: which application it came from and which tier it grants. */
    public record ConsumedToken(UUID applicationId, Tier tier) {}

    record IssuedToken(String token, Instant expiresAt) {}

    private final JdbcClient jdbc;
    private final Clock clock;
    private final OnboardingProperties properties;
    private final SecureRandom random = new SecureRandom();

    InstallTokens(JdbcClient jdbc, Clock clock, OnboardingProperties properties) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
    }

    /** Issues a token for an application; the caller shows it once. */
    @Transactional(propagation = Propagation.MANDATORY)
    IssuedToken issue(UUID applicationId, Tier tier, String createdBy) {
        var bytes = new byte[32];
        random.nextBytes(bytes);
        var token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        var expiresAt = clock.instant().plus(properties.installTokenTtl());
        jdbc.sql("""
                        INSERT INTO install_tokens (application_id, token_hash, tier, created_by, expires_at)
                        VALUES (:app, :hash, :tier, :by, :expires)""")
                .param("app", applicationId)
                .param("hash", hash(token))
                .param("tier", tier.name())
                .param("by", createdBy)
                .param("expires", Timestamp.from(expiresAt))
                .update();
        return new IssuedToken(token, expiresAt);
    }

    /**
     * Revokes every token of an application that could still register a node (unused, unrevoked, unexpired);
     * returns how many. Expired ones stay as they are: they no longer work either way.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    int revokeUsable(UUID applicationId) {
        return jdbc.sql("""
                        UPDATE install_tokens SET revoked_at = :now
                        WHERE application_id = :app AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now""")
                .param("now", Timestamp.from(clock.instant()))
                .param("app", applicationId)
                .update();
    }

    /**
     * Consumes a token for the node being registered, in the caller's transaction.
     *
     * @param requestedTier the tier the installer asked for, or null to take the token's tier
     * @throws ProblemException with a distinct type for unknown, revoked, used, expired and wrong-tier tokens
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public ConsumedToken consume(String token, @Nullable Tier requestedTier, String nodeId) {
        var now = Timestamp.from(clock.instant());
        var hash = hash(token);
        var consumed = jdbc.sql("""
                        UPDATE install_tokens SET used_at = :now, used_by_node = :node
                        WHERE token_hash = :hash AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now
                          AND (CAST(:tier AS VARCHAR) IS NULL OR tier = :tier)
                        RETURNING application_id, tier""")
                .param("now", now)
                .param("node", nodeId)
                .param("hash", hash)
                .param("tier", requestedTier == null ? null : requestedTier.name())
                .query((rs, i) -> new ConsumedToken(
                        rs.getObject("application_id", UUID.class), Tier.valueOf(rs.getString("tier"))))
                .optional();
        return consumed.orElseThrow(() -> refusal(hash, requestedTier, now.toInstant()));
    }

    /** The node a token registered, if it was used. */
    public java.util.Optional<String> usedBy(String token) {
        return jdbc.sql("SELECT used_by_node FROM install_tokens WHERE token_hash = :h AND used_by_node IS NOT NULL")
                .param("h", hash(token))
                .query(String.class)
                .optional();
    }

    private ProblemException refusal(String hash, @Nullable Tier requestedTier, Instant now) {
        record State(String tier, @Nullable Timestamp usedAt, @Nullable Timestamp revokedAt, Timestamp expiresAt) {}
        var state = jdbc.sql("SELECT tier, used_at, revoked_at, expires_at FROM install_tokens WHERE token_hash = :h")
                .param("h", hash)
                .query((rs, i) -> new State(
                        rs.getString("tier"), rs.getTimestamp("used_at"), rs.getTimestamp("revoked_at"),
                        rs.getTimestamp("expires_at")))
                .optional();
        if (state.isEmpty()) {
            return new ProblemException(401, "install-token-unknown", "Unknown install token",
                    "This install token does not exist. Check that it was copied completely.");
        }
        var s = state.get();
        if (s.revokedAt() != null) {
            return new ProblemException(401, "install-token-revoked", "Install token revoked",
                    "This install token was revoked by an administrator. Ask them for a new one.");
        }
        if (s.usedAt() != null) {
            return new ProblemException(409, "install-token-used", "Install token already used",
                    "This install token has already registered a node; each token works once. "
                            + "Ask an administrator for a new token to add another node.");
        }
        if (!s.expiresAt().toInstant().isAfter(now)) {
            return new ProblemException(401, "install-token-expired", "Install token expired",
                    "This install token expired at " + s.expiresAt().toInstant()
                            + ". Ask an administrator to issue a new one.");
        }
        return new ProblemException(409, "install-token-wrong-tier", "Install token is for another tier",
                "This install token is for tier " + s.tier() + ", not " + requestedTier
                        + ". Re-run the installer with --tier " + s.tier() + " or without --tier.");
    }

    static String hash(String token) {
        return Sha256.hex(token);
    }
}
