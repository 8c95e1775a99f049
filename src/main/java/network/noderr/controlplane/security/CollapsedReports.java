package network.noderr.controlplane.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjLongConsumer;

/**
 * Lets a flood of alike refusals through to the log and the audit log once per key and window: {@link #first} is
 * true for the first occurrence of a key, and false for every further one until a window after that first, which
 * are only counted; when the window closes with some counted, {@code suppressed} gets the key and how many. So the
 * number of entries is bounded by the keys (and at most {@code maxKeys} of them are tracked: beyond that, new keys
 * share one overflow key) and not by the requests. Counted per replica, in memory.
 */
final class CollapsedReports {

    /** The key that keys beyond {@code maxKeys} in one window share. */
    static final String OVERFLOW = "*";

    private final Cache<String, AtomicLong> seen;
    private final int maxKeys;

    /** A one-minute window, expiring on Caffeine's system scheduler, for up to {@code maxKeys} keys. */
    CollapsedReports(int maxKeys, ObjLongConsumer<String> suppressed) {
        this(Duration.ofMinutes(1), maxKeys, Ticker.systemTicker(), Scheduler.systemScheduler(),
                java.util.concurrent.ForkJoinPool.commonPool(),
                suppressed);
    }

    CollapsedReports(Duration window, int maxKeys, Ticker ticker, Scheduler scheduler, Executor executor,
            ObjLongConsumer<String> suppressed) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1");
        }
        this.maxKeys = maxKeys;
        this.seen = Caffeine.newBuilder()
                .maximumSize(maxKeys + 1L)
                .expireAfterWrite(window)
                .ticker(ticker)
                .scheduler(scheduler)
                .executor(executor)
                .<String, AtomicLong>removalListener((key, count, cause) -> {
                    if (key != null && count != null && count.get() > 0 && cause.wasEvicted()) {
                        suppressed.accept(key, count.get());
                    }
                })
                .build();
    }

    /**
     * Whether this is the first occurrence of {@code key} in its window (report it) rather than a repeat (counted).
     * A new key while {@code maxKeys} are tracked is counted under {@link #OVERFLOW} instead.
     */
    boolean first(String key) {
        var map = seen.asMap();
        if (!map.containsKey(key) && map.size() >= maxKeys) {
            key = OVERFLOW;
        }
        var created = new boolean[1];
        var counter = map.computeIfAbsent(key, k -> {
            created[0] = true;
            return new AtomicLong();
        });
        if (!created[0]) {
            counter.incrementAndGet();
        }
        return created[0];
    }

    /** Runs pending expiries now (tests; the system scheduler does it in production). */
    void cleanUp() {
        seen.cleanUp();
    }
}
