package network.noderr.controlplane.security;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLadvisoryLockBasedProxyManager;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import network.noderr.controlplane.shared.Sha256;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Token buckets shared by every replica, kept in PostgreSQL ({@code rate_limit_buckets}) by bucket4j's PostgreSQL
 * proxy manager: each use is one short transaction holding an advisory lock on the bucket's key. Used by the login
 * throttle and the limits of low-volume public endpoints, so that N replicas do not give N budgets. A bucket's row
 * expires a minute after the bucket would be full again (a full bucket is the same as none), and {@link #prune()}
 * deletes expired rows.
 */
@Component
class SharedBuckets {

    static final String TABLE = "rate_limit_buckets";
    /** Keeps a refilled bucket's row a little, so that a source that comes back soon reuses it. */
    private static final Duration KEEP_AFTER_REFILL = Duration.ofMinutes(1);
    /** A login or public request waits at most this long for its bucket (a statement timeout). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private static final int BATCH = 10_000;

    private final PostgreSQLadvisoryLockBasedProxyManager<String> buckets;

    SharedBuckets(DataSource dataSource, Clock clock) {
        this.buckets = Bucket4jPostgreSQL.advisoryLockBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .lockIdSupplier(SharedBuckets::lockId)
                .table(TABLE)
                .idColumn("id")
                .stateColumn("state")
                .expiresAtColumn("expires_at")
                .lockColumn("lock_id")
                .clientClock(new ClockTimeMeter(clock))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL))
                .requestTimeout(REQUEST_TIMEOUT)
                .build();
    }

    /**
     * The bucket of {@code subject} (a source address or a username) under the named limit. The limit's capacity and
     * period are part of the key, so a changed limit starts with fresh buckets instead of the stored ones' old size.
     */
    Bucket bucket(String limitName, RateLimitProperties.Limit limit, String subject) {
        return buckets.getProxy(key(limitName, limit, subject), limit::configuration);
    }

    static String key(String limitName, RateLimitProperties.Limit limit, String subject) {
        return limitName + "|" + limit.capacity() + "/" + limit.period() + "|" + subject;
    }

    @Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT3M")
    @SchedulerLock(name = "rate-limit-bucket-retention", lockAtMostFor = "PT5M")
    void prune() {
        removeExpired();
    }

    /** Deletes the expired buckets in batches, skipping any in use right now; returns how many. */
    long removeExpired() {
        long total = 0;
        int removed;
        do {
            removed = buckets.removeExpired(BATCH);
            total += removed;
        } while (removed == BATCH);
        return total;
    }

    /** 64 bits of the key's SHA-256: distinct keys practically never share (and wait for) one advisory lock. */
    private static long lockId(String key) {
        return HexFormat.fromHexDigitsToLong(Sha256.hex(key), 0, 16);
    }
}
