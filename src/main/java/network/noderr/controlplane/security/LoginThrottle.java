package network.noderr.controlplane.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Brute-force protection for the dashboard's password login: failed logins are counted per source address
 * ({@code login-address}) and per username ({@code login-user}) in token buckets; while either bucket is empty,
 * further attempts are refused before the password is checked. A successful login takes nothing. Kept per replica, in
 * a bounded cache.
 */
@Component
public class LoginThrottle {

    static final String ADDRESS = "login-address";
    static final String USER = "login-user";
    private static final int MAX_USERNAME_KEY = 200;

    private final RateLimitProperties properties;
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets;

    LoginThrottle(RateLimitProperties properties, Clock clock) {
        this.properties = properties;
        this.time = new ClockTimeMeter(clock);
        var longest = properties.limit(ADDRESS).period().compareTo(properties.limit(USER).period()) > 0
                ? properties.limit(ADDRESS).period()
                : properties.limit(USER).period();
        // A bucket left alone for a whole period is full again, so forgetting it then changes nothing.
        this.buckets = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(longest).build();
    }

    /** How long until this address and username may try again; empty when both may try now. */
    public Optional<Duration> refusal(String address, String username) {
        var wait = max(waitFor(ADDRESS, address), waitFor(USER, userKey(username)));
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /** Counts one failed login against the address and the username. */
    public void failed(String address, String username) {
        bucket(ADDRESS, address).tryConsume(1);
        bucket(USER, userKey(username)).tryConsume(1);
    }

    private Duration waitFor(String limit, String key) {
        var bucket = buckets.getIfPresent(limit + "|" + key);
        if (bucket == null) {
            return Duration.ZERO;
        }
        var probe = bucket.estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? Duration.ZERO : Duration.ofNanos(probe.getNanosToWaitForRefill());
    }

    private Bucket bucket(String limit, String key) {
        return buckets.get(limit + "|" + key, k -> {
            var l = properties.limit(limit);
            return Bucket.builder()
                    .withCustomTimePrecision(time)
                    .addLimit(Bandwidth.builder().capacity(l.capacity()).refillGreedy(l.capacity(), l.period()).build())
                    .build();
        });
    }

    /** Usernames are matched without regard to case, so {@code Admin} and {@code admin} share one budget. */
    private static String userKey(String username) {
        var key = username == null ? "" : username.strip().toLowerCase(Locale.ROOT);
        return key.length() > MAX_USERNAME_KEY ? key.substring(0, MAX_USERNAME_KEY) : key;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private record ClockTimeMeter(Clock clock) implements TimeMeter {
        @Override
        public long currentTimeNanos() {
            var now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    }
}
