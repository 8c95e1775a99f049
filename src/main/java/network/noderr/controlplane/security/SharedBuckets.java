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
class SharedBuckets implements org.springframework.beans.factory.DisposableBean {

    static final String TABLE = "rate_limit_buckets";
    /** Keeps a refilled bucket's row a little, so that a source that comes back soon reuses it. */
    private static final Duration KEEP_AFTER_REFILL = Duration.ofMinutes(1);
    /** A login or public request waits at most this long for its bucket (a statement timeout). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private static final int BATCH = 10_000;

    private final PostgreSQLadvisoryLockBasedProxyManager<String> buckets;
    private final com.zaxxer.hikari.@org.jspecify.annotations.Nullable HikariDataSource pool;

    SharedBuckets(DataSource dataSource, Clock clock) {
        this.pool = ownPool(dataSource);
        this.buckets = Bucket4jPostgreSQL.advisoryLockBasedBuilder(pool != null ? pool : dataSource)
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
     * A small pool of its own on the application's database, whose connections give up on any statement after
     * {@link #REQUEST_TIMEOUT} (the library's own timeout does not cover a statement waiting for a lock): a bucket row
     * locked too long, or a slow database, fails these requests with 503 instead of holding them and, with them, the
     * application's connections. Null when the data source is not a Hikari pool (then it is used as it is).
     */
    private static com.zaxxer.hikari.@org.jspecify.annotations.Nullable HikariDataSource ownPool(DataSource dataSource) {
        com.zaxxer.hikari.HikariDataSource main;
        try {
            if (!dataSource.isWrapperFor(com.zaxxer.hikari.HikariDataSource.class)) {
                return null;
            }
            main = dataSource.unwrap(com.zaxxer.hikari.HikariDataSource.class);
        } catch (java.sql.SQLException e) {
            return null;
        }
        var config = new com.zaxxer.hikari.HikariConfig();
        main.copyStateTo(config);
        config.setPoolName("rate-limits");
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(REQUEST_TIMEOUT.toMillis());
        config.setConnectionInitSql("SET statement_timeout = " + REQUEST_TIMEOUT.toMillis());
        config.setMetricsTrackerFactory(null); // the application's pool's meters stay its own
        config.setMetricRegistry(null);
        config.setHealthCheckRegistry(null);
        return new com.zaxxer.hikari.HikariDataSource(config);
    }

    @Override
    public void destroy() {
        if (pool != null) {
            pool.close();
        }
    }

    /**
     * The bucket of {@code subject} (a source address or a username) under the named limit. The limit's capacity and
     * period are part of the key, so a changed limit starts with fresh buckets instead of the stored ones' old size.
     */
    Bucket bucket(String limitName, RateLimitProperties.Limit limit, String subject) {
        return buckets.getProxy(key(limitName, limit, subject), limit::configuration);
    }

    /**
     * Runs one use of a shared bucket of the named limit; a use PostgreSQL did not answer in time (or at all) becomes a
     * {@link org.springframework.dao.TransientDataAccessResourceException}, which callers answer with 503 and
     * {@code Retry-After}: the request is refused, never let through uncounted.
     */
    static <T> T counted(String limitName, java.util.function.Supplier<T> use) {
        try {
            return use.get();
        } catch (RuntimeException e) {
            throw new org.springframework.dao.TransientDataAccessResourceException(
                    "the shared rate limit " + limitName + " could not be counted in PostgreSQL", e);
        }
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
