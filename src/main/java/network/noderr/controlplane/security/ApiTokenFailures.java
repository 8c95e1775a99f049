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
 * lookup or check, whatever they carry, until the budget refills. Node access tokens (JWTs, checked without the
 * database) do not count. The cache is bounded, so a flood of distinct addresses cannot exhaust memory.
 */
@Component
class ApiTokenFailures {

    static final String LIMIT = "api-token-failures";

    private final RateLimitProperties properties;
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets =
            Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofHours(2)).build();

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

    /** Counts one refused API token from this source. */
    void failed(String remoteAddress) {
        buckets.get(ProblemResponses.source(remoteAddress), key -> Bucket.builder()
                        .withCustomTimePrecision(time)
                        .addLimit(properties.limit(LIMIT).bandwidth())
                        .build())
                .tryConsume(1);
    }
}
