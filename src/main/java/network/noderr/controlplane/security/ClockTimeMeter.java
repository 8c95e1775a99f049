package network.noderr.controlplane.security;

import io.github.bucket4j.TimeMeter;
import java.time.Clock;

/** The application's {@link Clock} as bucket4j's time source, so that tests move the refill by moving the clock. */
record ClockTimeMeter(Clock clock) implements TimeMeter {

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
