package network.noderr.controlplane.live;

import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Gathers changes between two flushes: the topics that changed and the first {@code maxNodeIds} distinct nodes, so a
 * burst of any size leaves one small summary. Plain Java and thread-safe; whoever owns it decides when to drain.
 */
final class ChangeBuffer {

    /** What changed since the previous drain. */
    record Changes(List<LiveTopic> topics, List<String> nodeIds, boolean moreNodes) {}

    private final int maxNodeIds;
    private final EnumSet<LiveTopic> topics = EnumSet.noneOf(LiveTopic.class);
    private final LinkedHashSet<String> nodeIds = new LinkedHashSet<>();
    private boolean moreNodes;

    ChangeBuffer(int maxNodeIds) {
        this.maxNodeIds = maxNodeIds;
    }

    synchronized void add(Collection<LiveTopic> changed, Collection<String> nodes) {
        topics.addAll(changed);
        if (moreNodes) {
            return; // full: further ids cannot change the summary
        }
        for (var id : nodes) {
            if (nodeIds.size() < maxNodeIds) {
                nodeIds.add(id);
            } else if (!nodeIds.contains(id)) {
                moreNodes = true;
                return;
            }
        }
    }

    /** Adds another summary (e.g. one drained elsewhere), keeping its "more nodes" mark. */
    synchronized void add(Changes changes) {
        add(changes.topics(), changes.nodeIds());
        moreNodes |= changes.moreNodes();
    }

    /** What changed since the last drain, and starts over; empty when nothing did. */
    synchronized Optional<Changes> drain() {
        if (topics.isEmpty()) {
            return Optional.empty();
        }
        var changes = new Changes(List.copyOf(topics), List.copyOf(nodeIds), moreNodes);
        topics.clear();
        nodeIds.clear();
        moreNodes = false;
        return Optional.of(changes);
    }
}
