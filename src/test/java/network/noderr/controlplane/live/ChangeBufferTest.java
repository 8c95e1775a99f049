package network.noderr.controlplane.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The coalescing rule on its own: any burst between two drains leaves one small summary. */
class ChangeBufferTest {

    @Test
    void aBurstOfTenThousandChangesDrainsAsOneSummaryWithTheFirstNodes() {
        var buffer = new ChangeBuffer(200);
        IntStream.range(0, 10_000).forEach(i -> buffer.add(List.of(LiveTopic.NODES), Set.of("node-" + i)));

        var changes = buffer.drain().orElseThrow();
        assertThat(changes.topics()).containsExactly(LiveTopic.NODES);
        assertThat(changes.nodeIds()).hasSize(200).startsWith("node-0", "node-1").endsWith("node-199");
        assertThat(changes.moreNodes()).isTrue();
        assertThat(buffer.drain()).isEmpty();
    }

    @Test
    void topicsAccumulateInTheirDeclaredOrder() {
        var buffer = new ChangeBuffer(10);
        buffer.add(List.of(LiveTopic.ALERTS), Set.of());
        buffer.add(List.of(LiveTopic.ROLLOUTS, LiveTopic.NODES), Set.of("a"));

        var changes = buffer.drain().orElseThrow();
        assertThat(changes.topics()).containsExactly(LiveTopic.NODES, LiveTopic.ROLLOUTS, LiveTopic.ALERTS);
        assertThat(changes.nodeIds()).containsExactly("a");
        assertThat(changes.moreNodes()).isFalse();
    }

    @Test
    void theSameNodeChangingOftenCountsOnce() {
        var buffer = new ChangeBuffer(2);
        IntStream.range(0, 1000).forEach(i -> buffer.add(List.of(LiveTopic.NODES), Set.of("busy")));

        var changes = buffer.drain().orElseThrow();
        assertThat(changes.nodeIds()).containsExactly("busy");
        assertThat(changes.moreNodes()).isFalse();
    }

    @Test
    void nothingChangedDrainsNothing() {
        var buffer = new ChangeBuffer(10);
        assertThat(buffer.drain()).isEmpty();
        buffer.add(List.of(LiveTopic.NODES), Set.of("x"));
        buffer.drain();
        assertThat(buffer.drain()).isEmpty();
    }

    @Test
    void aMergedSummaryKeepsItsMoreNodesMark() {
        var remote = new ChangeBuffer.Changes(List.of(LiveTopic.NODES), List.of("r1"), true);
        var buffer = new ChangeBuffer(10);
        buffer.add(List.of(LiveTopic.ALERTS), Set.of("l1"));
        buffer.add(remote);

        var merged = buffer.drain().orElseThrow();
        assertThat(merged.topics()).containsExactly(LiveTopic.NODES, LiveTopic.ALERTS);
        assertThat(merged.nodeIds()).containsExactly("l1", "r1");
        assertThat(merged.moreNodes()).isTrue();
    }
}
