package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.MutableClock;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Buckets in the real PostgreSQL: atomic across replicas, keyed by the limit's size, and deleted once expired. */
@IntegrationTest
class SharedBucketsTest {

    private static final RateLimitProperties.Limit TEN_PER_MINUTE = new RateLimitProperties.Limit(10, Duration.ofMinutes(1));

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final String run = Long.toString(System.nanoTime(), 36);

    @Test
    void concurrentRequestsOnTwoReplicasTakeExactlyTheCapacity() throws Exception {
        var replicas = new SharedBuckets[] {new SharedBuckets(dataSource, clock), new SharedBuckets(dataSource, clock)};
        var subject = "203.0.113.1-" + run;
        var tries = new ArrayList<Callable<Boolean>>();
        for (int i = 0; i < 40; i++) {
            var replica = replicas[i % 2];
            tries.add(() -> replica.bucket("probe", TEN_PER_MINUTE, subject).tryConsume(1));
        }
        try (var pool = Executors.newFixedThreadPool(8)) {
            long taken = 0;
            for (Future<Boolean> result : pool.invokeAll(tries)) {
                taken += result.get() ? 1 : 0;
            }
            assertThat(taken).isEqualTo(10);
        }
    }

    @Test
    void aChangedLimitStartsWithFreshBuckets() {
        var buckets = new SharedBuckets(dataSource, clock);
        var subject = "203.0.113.2-" + run;
        var one = new RateLimitProperties.Limit(1, Duration.ofHours(1));
        assertThat(buckets.bucket("probe", one, subject).tryConsume(1)).isTrue();
        assertThat(buckets.bucket("probe", one, subject).tryConsume(1)).isFalse();
        assertThat(buckets.bucket("probe", new RateLimitProperties.Limit(2, Duration.ofHours(1)), subject).tryConsume(1))
                .isTrue();
    }

    @Test
    void aBucketExpiresAMinuteAfterItWouldBeFullAndIsThenDeleted() {
        var buckets = new SharedBuckets(dataSource, clock);
        var used = "203.0.113.3-" + run;
        var drained = "203.0.113.4-" + run;
        var before = System.currentTimeMillis();
        buckets.bucket("probe", TEN_PER_MINUTE, used).tryConsume(1);
        buckets.bucket("probe", TEN_PER_MINUTE, drained).tryConsume(10);
        var after = System.currentTimeMillis();

        // One token refills in 6 s, ten in a minute; each then stays a minute more.
        assertThat(expiresAt(used)).isBetween(before + 66_000, after + 66_000);
        assertThat(expiresAt(drained)).isBetween(before + 120_000, after + 120_000);

        // As if the first one's time had come.
        jdbc.sql("UPDATE rate_limit_buckets SET expires_at = expires_at - 70000 WHERE id = :id")
                .param("id", key(used))
                .update();
        assertThat(buckets.removeExpired()).isGreaterThanOrEqualTo(1);
        assertThat(expiresAtOrNull(used)).isNull();
        assertThat(expiresAtOrNull(drained)).as("not expired yet").isNotNull();
        assertThat(buckets.bucket("probe", TEN_PER_MINUTE, used).tryConsume(10))
                .as("a deleted bucket is a full one")
                .isTrue();
    }

    private long expiresAt(String subject) {
        var value = expiresAtOrNull(subject);
        assertThat(value).as("the bucket of " + subject).isNotNull();
        return value;
    }

    private Long expiresAtOrNull(String subject) {
        return jdbc.sql("SELECT expires_at FROM rate_limit_buckets WHERE id = :id")
                .param("id", key(subject))
                .query(Long.class)
                .optional()
                .orElse(null);
    }

    private static String key(String subject) {
        return SharedBuckets.key("probe", TEN_PER_MINUTE, subject);
    }
}
