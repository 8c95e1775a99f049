package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.sql.DataSource;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.MutableClock;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The login budget in the real PostgreSQL: two throttles over one database (two replicas) share it; it refills with
 * the (moved) clock; address and username budgets are separate; a successful login takes nothing. Each test uses
 * addresses and usernames of its own.
 */
@IntegrationTest
class LoginThrottleTest {

    private static final RateLimitProperties LIMITS = new RateLimitProperties(Map.of(
            "login-address", new RateLimitProperties.Limit(2, Duration.ofMinutes(10)),
            "login-user", new RateLimitProperties.Limit(3, Duration.ofMinutes(15))));

    @Autowired
    DataSource dataSource;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final String run = Long.toString(System.nanoTime(), 36);

    @Test
    void theRefusalLiftsWhenTheBucketRefills() {
        var throttle = replica();
        var address = address(1);
        throttle.failed(address, user("alice"));
        assertThat(throttle.refusal(address, user("alice"))).isEmpty();
        throttle.failed(address, user("alice"));

        // Two per 10 minutes, refilled evenly: the next try in 5 minutes.
        assertThat(throttle.refusal(address, user("alice"))).hasValue(Duration.ofMinutes(5));
        assertThat(throttle.refusal(address, user("bob"))).as("the address is refused for everyone").isPresent();
        assertThat(throttle.refusal(address(2), user("bob"))).isEmpty();

        clock.advance(Duration.ofMinutes(4));
        assertThat(throttle.refusal(address, user("alice"))).hasValue(Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(1));
        assertThat(throttle.refusal(address, user("alice"))).isEmpty();
    }

    @Test
    void aUsernameIsLimitedAcrossAddressesRegardlessOfCase() {
        var throttle = replica();
        throttle.failed(address(1), user("Alice"));
        throttle.failed(address(2), user("alice"));
        throttle.failed(address(3), user("ALICE") + " ");
        assertThat(throttle.refusal(address(4), user("alice"))).hasValue(Duration.ofMinutes(5));
        assertThat(throttle.refusal(address(4), user("bob"))).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        assertThat(throttle.refusal(address(4), user("alice"))).isEmpty();
    }

    @Test
    void failuresCountedOnOneReplicaRefuseTheNextAttemptOnAnother() {
        var replicaA = replica();
        var replicaB = replica();
        var address = address(1);

        replicaA.failed(address, user("carol"));
        assertThat(replicaB.refusal(address, user("carol"))).as("one failure of two").isEmpty();
        replicaB.failed(address, user("dave"));

        assertThat(replicaA.refusal(address, user("erin"))).hasValue(Duration.ofMinutes(5));
        assertThat(replicaB.refusal(address, user("erin"))).hasValue(Duration.ofMinutes(5));

        // The username budget (3) is shared the same way, from any address.
        replicaA.failed(address(2), user("frank"));
        replicaB.failed(address(3), user("frank"));
        replicaA.failed(address(4), user("frank"));
        assertThat(replicaB.refusal(address(5), user("frank"))).hasValue(Duration.ofMinutes(5));

        clock.advance(Duration.ofMinutes(5));
        assertThat(replicaB.refusal(address, user("erin"))).isEmpty();
        assertThat(replicaA.refusal(address(5), user("frank"))).isEmpty();
    }

    @Test
    void successfulLoginsTakeNothing() {
        var replicaA = replica();
        var replicaB = replica();
        var address = address(1);
        // Every login, successful or not, asks first; only failures are counted.
        for (int i = 0; i < 10; i++) {
            assertThat((i % 2 == 0 ? replicaA : replicaB).refusal(address, user("grace"))).isEmpty();
        }
        replicaA.failed(address, user("grace"));
        assertThat(replicaB.refusal(address, user("grace"))).as("the whole budget of two was left").isEmpty();
        replicaB.failed(address, user("grace"));
        assertThat(replicaA.refusal(address, user("grace"))).isPresent();
    }

    private LoginThrottle replica() {
        return new LoginThrottle(LIMITS, new SharedBuckets(dataSource, clock),
                new UserRepository(org.springframework.jdbc.core.simple.JdbcClient.create(dataSource)));
    }

    private String address(int n) {
        return "10.0.0." + n + "-" + run;
    }

    private String user(String name) {
        return name + "-" + run;
    }
}
