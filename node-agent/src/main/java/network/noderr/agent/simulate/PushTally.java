package network.noderr.agent.simulate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the fleet heard on its push streams: each message's type and the moment a node heard it. Messages of one type
 * that follow each other closely are one burst (one change told to the whole fleet); a burst is over once nothing of
 * its type arrived for {@code quiet}.
 */
final class PushTally {

    /** One change as the fleet heard it: how many nodes, the first and the last to hear it (epoch milliseconds). */
    record Burst(String type, int nodes, long firstMillis, long lastMillis) {
        @Override
        public String toString() {
            return String.format("push %s heard by %d nodes from %d to %d (epoch ms), spread %d ms", type, nodes,
                    firstMillis, lastMillis, lastMillis - firstMillis);
        }
    }

    private final long quietMillis;
    private final List<Burst> open = new ArrayList<>(); // guarded by this

    PushTally(Duration quiet) {
        this.quietMillis = quiet.toMillis();
    }

    synchronized void heard(String type, long atMillis) {
        for (int i = 0; i < open.size(); i++) {
            var b = open.get(i);
            if (b.type().equals(type)) {
                open.set(i, new Burst(type, b.nodes() + 1, Math.min(b.firstMillis(), atMillis),
                        Math.max(b.lastMillis(), atMillis)));
                return;
            }
        }
        open.add(new Burst(type, 1, atMillis, atMillis));
    }

    /** The bursts over at {@code nowMillis} (nothing of their type for the quiet time), removed from the tally. */
    synchronized List<Burst> ended(long nowMillis) {
        var done = new ArrayList<Burst>();
        open.removeIf(b -> {
            if (nowMillis - b.lastMillis() >= quietMillis) {
                done.add(b);
                return true;
            }
            return false;
        });
        return done;
    }
}
