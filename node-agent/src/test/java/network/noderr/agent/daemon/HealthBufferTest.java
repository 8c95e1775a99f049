package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Buffered health reports: in order, across restarts, nothing lost on a failed delivery, bounded with a count; a
 * report that can never be delivered is dropped and counted without holding back the others. The control plane's
 * answers are {@link HealthBuffer.Refused} here (how the daemon passes on its 400s); RefusedReportsTest has the real
 * control plane refusing real reports.
 */
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

    @Test
    void dropsOnlyTheReportsARefusalNamesAndDeliversTheRestInOrder() throws Exception {
        var buffer = new HealthBuffer(dir, 10_000);
        for (int i = 0; i < 400; i++) {
            buffer.add(Map.of("seq", i, "valid", i % 100 != 7)); // 7, 107, 207, 307 are refused
        }
        var delivered = new ArrayList<Object>();
        var batches = new ArrayList<Integer>();
        int sent = buffer.drain(batch -> {
            batches.add(batch.size());
            var invalid = new TreeSet<Integer>();
            for (int i = 0; i < batch.size(); i++) {
                if (!(Boolean) batch.get(i).get("valid")) {
                    invalid.add(i);
                }
            }
            if (!invalid.isEmpty()) {
                throw new HealthBuffer.Refused("HTTP 400: invalid", invalid);
            }
            batch.forEach(r -> delivered.add(r.get("seq")));
        });
        assertThat(sent).isEqualTo(396);
        assertThat(delivered).hasSize(396).doesNotContain(7, 107, 207, 307).isSortedAccordingTo(
                (a, b) -> Integer.compare((Integer) a, (Integer) b));
        assertThat(batches).as("refused; again without the 3 named (refilled to 300); the rest, refused; again")
                .containsExactly(300, 300, 97, 96);
        assertThat(buffer.size()).isZero();
        assertThat(buffer.refused()).isEqualTo(4);
        assertThat(buffer.dropped()).as("the full-buffer count is separate").isZero();
        assertThat(new HealthBuffer(dir, 10_000).refused()).as("kept across restarts").isEqualTo(4);
    }

    @Test
    void whenARefusalNamesNoReportTheyAreSentOneByOneAndOnlyThoseRefusedAreDropped() throws Exception {
        var buffer = new HealthBuffer(dir, 10_000);
        for (int i = 0; i < 5; i++) {
            buffer.add(Map.of("seq", i));
        }
        var delivered = new ArrayList<Object>();
        int sent = buffer.drain(batch -> {
            if (batch.size() > 1 || batch.getFirst().get("seq").equals(3)) {
                throw new HealthBuffer.Refused("HTTP 413: too large", new TreeSet<>());
            }
            delivered.add(batch.getFirst().get("seq"));
        });
        assertThat(sent).isEqualTo(4);
        assertThat(delivered).containsExactly(0, 1, 2, 4);
        assertThat(buffer.refused()).isEqualTo(1);
        assertThat(buffer.size()).isZero();
    }

    @Test
    void aFailureThatIsNotARefusalKeepsWhatWasNotDelivered() throws Exception {
        var buffer = new HealthBuffer(dir, 10_000);
        for (int i = 0; i < 5; i++) {
            buffer.add(Map.of("seq", i));
        }
        var delivered = new ArrayList<Object>();
        assertThatThrownBy(() -> buffer.drain(batch -> {
            if (batch.size() > 1) {
                throw new HealthBuffer.Refused("HTTP 400: body", new TreeSet<>(List.of(17))); // names no position
            }
            if (batch.getFirst().get("seq").equals(2)) {
                throw new IOException("control plane down");
            }
            delivered.add(batch.getFirst().get("seq"));
        })).hasMessage("control plane down");
        assertThat(delivered).containsExactly(0, 1);
        assertThat(buffer.size()).as("2, 3 and 4 wait").isEqualTo(3);
        assertThat(buffer.refused()).isZero();
    }

    @Test
    void anUnreadableReportOnDiskIsDroppedAndCounted() throws Exception {
        var buffer = new HealthBuffer(dir, 10_000);
        buffer.add(Map.of("seq", 0));
        buffer.add(Map.of("seq", 1));
        buffer.add(Map.of("seq", 2));
        try (var files = java.nio.file.Files.list(dir)) {
            var second = files.filter(p -> p.toString().endsWith(".json")).sorted().skip(1).findFirst().orElseThrow();
            java.nio.file.Files.writeString(second, ""); // e.g. cut short by a power loss
        }
        var delivered = new ArrayList<Object>();
        assertThat(buffer.drain(batch -> batch.forEach(r -> delivered.add(r.get("seq"))))).isEqualTo(2);
        assertThat(delivered).containsExactly(0, 2);
        assertThat(buffer.refused()).isEqualTo(1);
        assertThat(buffer.size()).isZero();
    }

    @Test
    void anEmptyOrGarbledCounterFileCountsAgainFromZeroInsteadOfFailing() throws Exception {
        var buffer = new HealthBuffer(dir, 2);
        java.nio.file.Files.writeString(dir.resolve("dropped"), ""); // cut short between truncate and write
        java.nio.file.Files.writeString(dir.resolve("refused"), "12x");
        assertThat(buffer.dropped()).isZero();
        assertThat(buffer.refused()).isZero();
        for (int i = 0; i < 5; i++) {
            buffer.add(Map.of("seq", i));
        }
        assertThat(buffer.dropped()).isEqualTo(3);
        assertThat(java.nio.file.Files.readString(dir.resolve("dropped"))).isEqualTo("3");
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("replaced atomically, nothing left over")
                    .containsExactlyInAnyOrder("dropped", "refused", "0000000000000000004.json",
                            "0000000000000000005.json");
        }
    }

    @Test
    void aReportTheDiskCannotTakeIsDeliveredAfterTheBufferedOnes() throws Exception {
        var buffer = new FailingWritesHealthBuffer(dir, 10_000);
        buffer.failing(false);
        buffer.add(Map.of("seq", 0));
        buffer.add(Map.of("seq", 1));
        buffer.failing(true); // the disk is full now
        assertThatThrownBy(() -> buffer.add(Map.of("seq", 2))).hasMessageContaining("No space left on device");
        assertThat(buffer.size()).as("not buffered").isEqualTo(2);

        assertThatThrownBy(() -> buffer.drain(batch -> {
            throw new IOException("control plane down");
        }, Map.of("seq", 2))).hasMessage("control plane down");
        assertThat(buffer.size()).as("the buffered ones wait").isEqualTo(2);

        var delivered = new ArrayList<Object>();
        assertThat(buffer.drain(batch -> batch.forEach(r -> delivered.add(r.get("seq"))), Map.of("seq", 3)))
                .isEqualTo(3);
        assertThat(delivered).containsExactly(0, 1, 3);
        assertThat(buffer.size()).isZero();

        assertThat(buffer.drain(batch -> {
            throw new HealthBuffer.Refused("HTTP 400: invalid", new TreeSet<>(List.of(0)));
        }, Map.of("seq", 4))).as("refused: dropped and counted like a buffered one").isZero();
        assertThat(buffer.refused()).isEqualTo(1);
    }
}
