package network.noderr.controlplane.security;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Token-bucket limits, by name. Each limit allows {@code capacity} requests, refilled evenly over {@code period}. The
 * login throttle and the limits of low-volume public endpoints are counted for all replicas together, in PostgreSQL
 * ({@link SharedBuckets}); a limit on a high-volume endpoint may be counted per replica, in memory
 * ({@link RateLimited.Scope#REPLICA}). Behind a load balancer set {@code server.forward-headers-strategy=native} so
 * the client's address is used.
 */
@ConfigurationProperties("noderr.rate-limits")
public record RateLimitProperties(@DefaultValue Map<String, Limit> limits) {

    public record Limit(int capacity, Duration period) {
        public Limit {
            if (capacity < 1 || period == null || period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException(
                        "a rate limit needs capacity >= 1 and a positive period (e.g. capacity: 30, period: PT1M)");
            }
        }

        /** {@code capacity} tokens, refilled evenly (greedily) over the period. */
        Bandwidth bandwidth() {
            return Bandwidth.builder().capacity(capacity).refillGreedy(capacity, period).build();
        }

        BucketConfiguration configuration() {
            return BucketConfiguration.builder().addLimit(bandwidth()).build();
        }
    }

    static final Limit APPLICATIONS_DEFAULT = new Limit(5, Duration.ofHours(1));
    /** An applicant looking up their application, per source address. */
    static final Limit APPLICATION_STATUS_DEFAULT = new Limit(30, Duration.ofMinutes(1));
    static final Limit NODE_AUTH_DEFAULT = new Limit(30, Duration.ofMinutes(1));
    /** Failed dashboard logins per source address. */
    static final Limit LOGIN_ADDRESS_DEFAULT = new Limit(20, Duration.ofMinutes(10));
    /** Failed dashboard logins per username (from any address). */
    static final Limit LOGIN_USER_DEFAULT = new Limit(10, Duration.ofMinutes(15));
    /** Refused (unknown, revoked, expired) management-API tokens per source address, per replica. */
    static final Limit API_TOKEN_FAILURES_DEFAULT = new Limit(30, Duration.ofMinutes(1));

    Limit limit(String name) {
        var configured = limits.get(name);
        if (configured != null) {
            return configured;
        }
        return switch (name) {
            case "applications" -> APPLICATIONS_DEFAULT;
            case "application-status" -> APPLICATION_STATUS_DEFAULT;
            case "login-address" -> LOGIN_ADDRESS_DEFAULT;
            case "login-user" -> LOGIN_USER_DEFAULT;
            case ApiTokenFailures.LIMIT -> API_TOKEN_FAILURES_DEFAULT;
            default -> NODE_AUTH_DEFAULT;
        };
    }
}
