package network.noderr.agent.update;

import java.io.IOException;

/** Sends a finished update's outcome to the control plane ({@code POST /api/v1/updates}). */
@FunctionalInterface
public interface UpdateReporter {

    void report(UpdateRecord finished, long durationMs) throws IOException;
}
