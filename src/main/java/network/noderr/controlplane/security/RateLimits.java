package network.noderr.controlplane.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import network.noderr.controlplane.shared.RateLimitExceededException;
import org.springframework.stereotype.Component;

/**
 * Per-source-address rate limits for public endpoints (application form, node authentication). Buckets live in a
 * bounded cache, so a flood of distinct addresses cannot exhaust memory.
 */
@Component
public class RateLimits {

    private final RateLimitProperties properties;
    private final Cache<String, Bucket> buckets =
            Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofHours(2)).build();

    RateLimits(RateLimitProperties properties) {
        this.properties = properties;
    }

    /**
     * Takes one request from the named limit for this source.
     *
     * @throws RateLimitExceededException when the bucket is empty
     */
    public void consume(String limitName, String sourceAddress) {
        var bucket = buckets.get(limitName + "|" + sourceAddress, key -> newBucket(limitName));
        var probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            throw new RateLimitExceededException(limitName, Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
    }

    private Bucket newBucket(String limitName) {
        var limit = properties.limit(limitName);
        return Bucket.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(limit.capacity())
                        .refillGreedy(limit.capacity(), limit.period())
                        .build())
                .build();
    }
}
