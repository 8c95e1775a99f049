package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The login budget refills with the (moved) clock; address and username budgets are separate. */
class LoginThrottleTest {

    private final MovableClock clock = new MovableClock();
    private final LoginThrottle throttle = new LoginThrottle(new RateLimitProperties(Map.of(
                    "login-address", new RateLimitProperties.Limit(2, Duration.ofMinutes(10)),
                    "login-user", new RateLimitProperties.Limit(3, Duration.ofMinutes(15)))),
            clock);

    @Test
    void theRefusalLiftsWhenTheBucketRefills() {
        throttle.failed("10.0.0.1", "alice");
        assertThat(throttle.refusal("10.0.0.1", "alice")).isEmpty();
        throttle.failed("10.0.0.1", "alice");

        // Two per 10 minutes, refilled evenly: the next try in 5 minutes.
        assertThat(throttle.refusal("10.0.0.1", "alice")).hasValue(Duration.ofMinutes(5));
        assertThat(throttle.refusal("10.0.0.1", "bob")).as("the address is refused for everyone").isPresent();
        assertThat(throttle.refusal("10.0.0.2", "bob")).isEmpty();

        clock.advance(Duration.ofMinutes(4));
        assertThat(throttle.refusal("10.0.0.1", "alice")).hasValue(Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(1));
        assertThat(throttle.refusal("10.0.0.1", "alice")).isEmpty();
    }

    @Test
    void aUsernameIsLimitedAcrossAddressesRegardlessOfCase() {
        throttle.failed("10.0.0.1", "Alice");
        throttle.failed("10.0.0.2", "alice");
        throttle.failed("10.0.0.3", "ALICE ");
        assertThat(throttle.refusal("10.0.0.4", "alice")).hasValue(Duration.ofMinutes(5));
        assertThat(throttle.refusal("10.0.0.4", "bob")).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        assertThat(throttle.refusal("10.0.0.4", "alice")).isEmpty();
    }

    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
