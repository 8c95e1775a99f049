package network.noderr.controlplane.live;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.NonNull;

/**
 * One message of a live stream: a signal that something changed, not the change itself; screens re-fetch the data
 * they show.
 *
 * @param topics what changed since the previous event (empty for {@link Kind#HELLO} and {@link Kind#HEARTBEAT})
 * @param nodeIds nodes that changed, at most {@link LiveProperties#maxNodeIds()}
 * @param moreNodes whether more nodes changed than {@code nodeIds} lists (a screen showing one node re-fetches it)
 * @param sequence how many change events this replica has emitted so far; it grows with every change
 * @param heartbeatSeconds how often the stream sends a heartbeat; a client that hears nothing for a few of these
 *     treats the connection as lost and subscribes again
 */
public record LiveEvent(
        @NonNull Kind kind,
        @NonNull List<@NonNull LiveTopic> topics,
        @NonNull List<@NonNull String> nodeIds,
        boolean moreNodes,
        long sequence,
        int heartbeatSeconds,
        @NonNull Instant at) {

    public enum Kind {
        /** First event of every subscription: the client is connected and refreshes what it shows. */
        HELLO,
        /** Something changed in {@code topics}. */
        CHANGE,
        /** Nothing changed; the connection is alive. */
        HEARTBEAT
    }
}
