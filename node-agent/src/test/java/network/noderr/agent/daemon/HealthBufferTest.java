package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Buffered health reports: in order, across restarts, nothing lost on a failed delivery, bounded with a count. */
class HealthBufferTest {

    @TempDir
    Path dir;

    @Test
    void deliversInOrderAcrossARestartAndKeepsWhatFailed() throws Exception {
        var buffer = new HealthBuffer(dir, 1000);
        for (int i = 0; i < 5; i++) {
            buffer.add(Map.of("seq", i));
        }
        assertThatThrownBy(() -> buffer.drain(batch -> {
            throw new IOException("control plane down");
        })).isInstanceOf(IOException.class);
        assertThat(buffer.size()).as("nothing lost").isEqualTo(5);

        var restarted = new HealthBuffer(dir, 1000); // a new process
        restarted.add(Map.of("seq", 5));
        var delivered = new ArrayList<Object>();
        assertThat(restarted.drain(batch -> batch.forEach(r -> delivered.add(r.get("seq"))))).isEqualTo(6);
        assertThat(delivered).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(restarted.size()).isZero();
    }

    @Test
    void dropsTheOldestBeyondItsBoundAndCountsThem() throws Exception {
        var buffer = new HealthBuffer(dir, 3);
        for (int i = 0; i < 5; i++) {
            buffer.add(Map.of("seq", i));
        }
        var delivered = new ArrayList<Object>();
        buffer.drain(batch -> batch.forEach(r -> delivered.add(r.get("seq"))));
        assertThat(delivered).containsExactly(2, 3, 4);
        assertThat(buffer.dropped()).isEqualTo(2);
    }

    @Test
    void sendsLargeBacklogsInBatchesUnderTheBodyLimit() throws Exception {
        var buffer = new HealthBuffer(dir, 10_000);
        for (int i = 0; i < 700; i++) {
            buffer.add(Map.of("seq", i));
        }
        List<Integer> sizes = new ArrayList<>();
        buffer.drain(batch -> sizes.add(batch.size()));
        assertThat(sizes).containsExactly(300, 300, 100);
    }
}
