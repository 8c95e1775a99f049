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
 * Lets a flood of alike refusals through to the log and the audit log a few times per key and window: {@link #first}
 * is true for the first {@code perKey} occurrences of a key (one unless said otherwise), and false for every further
 * one until a window after that first, which are only counted; when the window closes with some counted,
 * {@code suppressed} gets the key and how many. So the number of entries is bounded by the keys (and at most
 * {@code maxKeys} of them are tracked: beyond that, new keys share one overflow key) and not by the requests. Counted
 * per replica, in memory.
 */
final class CollapsedReports {

    /** The key that keys beyond {@code maxKeys} in one window share. */
    static final String OVERFLOW = "*";

    private final Cache<String, AtomicLong> seen;
    private final int maxKeys;
    private final int perKey;

    /** A one-minute window, expiring on Caffeine's system scheduler, for up to {@code maxKeys} keys. */
    CollapsedReports(int maxKeys, ObjLongConsumer<String> suppressed) {
        this(maxKeys, 1, suppressed);
    }

    /** As {@link #CollapsedReports(int, ObjLongConsumer)}, reporting the first {@code perKey} of each key. */
    CollapsedReports(int maxKeys, int perKey, ObjLongConsumer<String> suppressed) {
        this(Duration.ofMinutes(1), maxKeys, perKey, Ticker.systemTicker(), Scheduler.systemScheduler(),
                java.util.concurrent.ForkJoinPool.commonPool(), suppressed);
    }

    CollapsedReports(Duration window, int maxKeys, Ticker ticker, Scheduler scheduler, Executor executor,
            ObjLongConsumer<String> suppressed) {
        this(window, maxKeys, 1, ticker, scheduler, executor, suppressed);
    }

    CollapsedReports(Duration window, int maxKeys, int perKey, Ticker ticker, Scheduler scheduler, Executor executor,
            ObjLongConsumer<String> suppressed) {
        if (maxKeys < 1 || perKey < 1) {
            throw new IllegalArgumentException("maxKeys and perKey must be at least 1");
        }
        this.maxKeys = maxKeys;
        this.perKey = perKey;
        this.seen = Caffeine.newBuilder()
                .maximumSize(maxKeys + 1L)
                .expireAfterWrite(window)
                .ticker(ticker)
                .scheduler(scheduler)
                .executor(executor)
                .<String, AtomicLong>removalListener((key, count, cause) -> {
                    // count: every occurrence in the window; the first perKey were reported
                    if (key != null && count != null && count.get() > perKey && cause.wasEvicted()) {
                        suppressed.accept(key, count.get() - perKey);
                    }
                })
                .build();
    }

    /**
     * Whether this is one of the first {@code perKey} occurrences of {@code key} in its window (report it) rather
     * than a repeat beyond them (counted). A new key while {@code maxKeys} are tracked is counted under
     * {@link #OVERFLOW} instead.
     */
    boolean first(String key) {
        var map = seen.asMap();
        if (!map.containsKey(key) && map.size() >= maxKeys) {
            key = OVERFLOW;
        }
        return map.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet() <= perKey;
    }

    /** Runs pending expiries now (tests; the system scheduler does it in production). */
    void cleanUp() {
        seen.cleanUp();
    }
}
