package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.sql.DataSource;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.MutableClock;
import network.noderr.controlplane.shared.RateLimitExceededException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Two replicas' rate limits over one real PostgreSQL: a shared limit is one budget for both, a per-replica limit one
 * budget each; both refill with the (moved) clock.
 */
@IntegrationTest
class RateLimitsTest {

    private static final RateLimitProperties LIMITS = new RateLimitProperties(
            Map.of("applications", new RateLimitProperties.Limit(2, Duration.ofHours(1))));

    @Autowired
    DataSource dataSource;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final String address = "198.51.100.1-" + Long.toString(System.nanoTime(), 36);

    @Test
    void aSharedLimitIsOneBudgetForAllReplicas() {
        var replicaA = replica();
        var replicaB = replica();
        replicaA.consume("applications", RateLimited.Scope.SHARED, address);
        replicaB.consume("applications", RateLimited.Scope.SHARED, address);

        assertThatThrownBy(() -> replicaA.consume("applications", RateLimited.Scope.SHARED, address))
                .isInstanceOfSatisfying(RateLimitExceededException.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(30)));
        assertThatThrownBy(() -> replicaB.consume("applications", RateLimited.Scope.SHARED, address))
                .isInstanceOf(RateLimitExceededException.class);
        replicaB.consume("applications", RateLimited.Scope.SHARED, address + "-other");

        clock.advance(Duration.ofMinutes(30));
        replicaB.consume("applications", RateLimited.Scope.SHARED, address);
        assertThatThrownBy(() -> replicaA.consume("applications", RateLimited.Scope.SHARED, address))
                .isInstanceOf(RateLimitExceededException.class);
    }

    @Test
    void aPerReplicaLimitIsOneBudgetForEachReplica() {
        var replicaA = replica();
        var replicaB = replica();
        replicaA.consume("applications", RateLimited.Scope.REPLICA, address);
        replicaA.consume("applications", RateLimited.Scope.REPLICA, address);
        assertThatThrownBy(() -> replicaA.consume("applications", RateLimited.Scope.REPLICA, address))
                .isInstanceOf(RateLimitExceededException.class);

        replicaB.consume("applications", RateLimited.Scope.REPLICA, address);
        replicaB.consume("applications", RateLimited.Scope.REPLICA, address);

        clock.advance(Duration.ofMinutes(30));
        replicaA.consume("applications", RateLimited.Scope.REPLICA, address);
    }

    private RateLimits replica() {
        return new RateLimits(LIMITS, new SharedBuckets(dataSource, clock), clock);
    }
}
