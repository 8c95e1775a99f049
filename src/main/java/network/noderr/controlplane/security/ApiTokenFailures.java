package network.noderr.controlplane.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Refused bearer credentials per source address (an IPv6 /64 counts as one source), in memory per replica: unknown,
 * revoked or expired management-API tokens, each of which cost a database lookup, and wrong Alertmanager webhook
 * secrets. Anyone can present them as fast as they like; once a source has used up its budget
 * ({@code noderr.rate-limits.limits.api-token-failures}), its requests that carry one are refused with 429 before any
 * lookup or check, until the budget refills — except a token this replica accepted in the last hour: valid automation
 * behind the same address (a shared NAT, an IPv6 /64) keeps working while a guesser there is refused, since a guess
 * is never among them. Node access tokens (JWTs, checked without the database) do not count. The caches are bounded,
 * so a flood of distinct addresses or tokens cannot exhaust memory; they hold tokens' SHA-256 hashes, never tokens.
 */
@Component
class ApiTokenFailures {

    static final String LIMIT = "api-token-failures";

    private final RateLimitProperties properties;
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets =
            Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofHours(2)).build();

    /** Hashes of the API tokens accepted lately (a token refused since is dropped at once). */
    private final Cache<String, Boolean> accepted =
            Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(ACCEPTED_FOR).build();

    /** How long an accepted token passes a source's refusal. */
    static final Duration ACCEPTED_FOR = Duration.ofHours(1);

    ApiTokenFailures(RateLimitProperties properties, Clock clock) {
        this.properties = properties;
        this.time = new ClockTimeMeter(clock);
    }

    /** How long this source must wait before its bearer requests are looked at again; empty when they are now. */
    Optional<Duration> refusal(String remoteAddress) {
        var bucket = buckets.getIfPresent(ProblemResponses.source(remoteAddress));
        if (bucket == null) {
            return Optional.empty();
        }
        var probe = bucket.estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? Optional.empty()
                : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    /**
     * Whether a request from a source that used up its budget may still be looked at: it presents a token accepted
     * lately.
     */
    boolean passes(String token) {
        return accepted.getIfPresent(ApiTokens.hash(token)) != null;
    }

    void accepted(String token) {
        accepted.put(ApiTokens.hash(token), Boolean.TRUE);
    }

    /** A token that was just refused (unknown, revoked, expired, its owner disabled) no longer passes. */
    void refused(String token) {
        accepted.invalidate(ApiTokens.hash(token));
    }

    /** Counts one refused API token from this source. */
    void failed(String remoteAddress) {
        buckets.get(ProblemResponses.source(remoteAddress), key -> Bucket.builder()
                        .withCustomTimePrecision(time)
                        .addLimit(properties.limit(LIMIT).bandwidth())
                        .build())
                .tryConsume(1);
    }
}
