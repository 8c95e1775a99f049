package network.noderr.controlplane.beacon;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Whether this replica can reach the chain. The first failed RPC call makes the status stale (since then); the next
 * successful one makes it ok again. Reads are then served from the indexed mirror, flagged stale.
 */
@Component
class BeaconStatus {

    /** ok = the last RPC call worked; stale = it failed since {@code staleSince}; starting = no call yet. */
    record State(String status, @Nullable Instant staleSince, @Nullable String lastError, long headBlock,
            @Nullable Instant checkedAt) {}

    private final Clock clock;
    private final AtomicReference<State> state = new AtomicReference<>(new State("starting", null, null, -1, null));

    BeaconStatus(Clock clock) {
        this.clock = clock;
    }

    State get() {
        return state.get();
    }

    boolean stale() {
        return "stale".equals(state.get().status());
    }

    void ok(long headBlock) {
        state.set(new State("ok", null, null, headBlock, clock.instant()));
    }

    void failed(Exception e) {
        var now = clock.instant();
        state.updateAndGet(s -> new State("stale", s.staleSince() == null ? now : s.staleSince(),
                e.getClass().getSimpleName() + (e.getCause() == null ? "" : ": " + e.getCause().getClass().getSimpleName()),
                s.headBlock(), now));
    }
}
