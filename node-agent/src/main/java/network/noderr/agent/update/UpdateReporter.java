package network.noderr.agent.update;

import java.io.IOException;
import java.time.Duration;

/** Sends a finished update's outcome to the control plane ({@code POST /api/v1/updates}). */
@FunctionalInterface
public interface UpdateReporter {

    /**
     * The longest duration the control plane accepts in an update report; an update that took longer (it waited that
     * long for a registry or chain that was down) is reported as this.
     */
    Duration MAX_DURATION = Duration.ofDays(30);

    /**
     * @param durationMs 0 to {@link #MAX_DURATION}
     * @throws Refused when the control plane will never accept this report; any other IOException: try again later
     */
    void report(UpdateRecord finished, long durationMs) throws IOException;

    /** The control plane refused the report as it is: sending it again cannot succeed. */
    final class Refused extends IOException {
        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
