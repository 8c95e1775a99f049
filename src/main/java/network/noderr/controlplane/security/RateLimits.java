package network.noderr.controlplane.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import network.noderr.controlplane.shared.RateLimitExceededException;
import org.springframework.stereotype.Component;

/**
 * Per-source-address rate limits for public endpoints (application form, node authentication). A
 * {@link RateLimited.Scope#SHARED shared} limit is counted for all replicas together in PostgreSQL
 * ({@link SharedBuckets}); a {@link RateLimited.Scope#REPLICA per-replica} one in a bounded cache in memory, so a
 * flood of distinct addresses cannot exhaust memory.
 */
@Component
public class RateLimits {

    private final RateLimitProperties properties;
    private final SharedBuckets shared;
    private final TimeMeter time;
    private final Cache<String, Bucket> replicaBuckets =
            Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofHours(2)).build();

    RateLimits(RateLimitProperties properties, SharedBuckets shared, Clock clock) {
        this.properties = properties;
        this.shared = shared;
        this.time = new ClockTimeMeter(clock);
    }

    /**
     * Takes one request from the named limit for this source.
     *
     * @throws RateLimitExceededException when the bucket is empty
     */
    public void consume(String limitName, RateLimited.Scope scope, String sourceAddress) {
        var limit = properties.limit(limitName);
        var bucket = switch (scope) {
            case SHARED -> shared.bucket(limitName, limit, sourceAddress);
            case REPLICA -> replicaBuckets.get(SharedBuckets.key(limitName, limit, sourceAddress), key -> Bucket.builder()
                    .withCustomTimePrecision(time)
                    .addLimit(limit.bandwidth())
                    .build());
        };
        var probe = scope == RateLimited.Scope.SHARED // PostgreSQL did not answer in time: 503, the client retries
                ? SharedBuckets.counted(limitName, () -> bucket.tryConsumeAndReturnRemaining(1))
                : bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            throw new RateLimitExceededException(limitName, Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
    }
}
