package network.noderr.controlplane.shared;

import java.time.Duration;

/** Too many requests from one source; the API answers 429 with {@code Retry-After}. */
public class RateLimitExceededException extends RuntimeException {

    private final Duration retryAfter;

    public RateLimitExceededException(String what, Duration retryAfter) {
        super("Too many " + what + " requests from this address. Try again in " + Math.max(1, retryAfter.toSeconds())
                + " s.");
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
