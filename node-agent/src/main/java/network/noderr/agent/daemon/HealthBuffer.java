package network.noderr.agent.daemon;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Health reports waiting to be delivered, one file per report on disk so that they survive restarts, delivered in
 * the order they were taken. Bounded: beyond {@code capacity} the oldest are dropped, and counted.
 */
public final class HealthBuffer {

    /** Delivers one ordered batch; throws when it was not acknowledged (the batch stays). */
    @FunctionalInterface
    public interface Sender {
        void send(List<Map<String, Object>> batch) throws IOException;
    }

    private static final ObjectMapper JSON = network.noderr.agent.api.Shared.JSON;
    private static final int BATCH = 300; // ~57 KiB of JSON, under the control plane's 64 KiB body limit

    private final Path dir;
    private final int capacity;
    private long next;

    public HealthBuffer(Path dir, int capacity) {
        this.dir = dir;
        this.capacity = capacity;
        try {
            Files.createDirectories(dir);
            this.next = files().stream().mapToLong(HealthBuffer::sequence).max().orElse(0) + 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void add(Map<String, Object> report) throws IOException {
        var tmp = dir.resolve("incoming.tmp");
        Files.write(tmp, JSON.writeValueAsBytes(report));
        Files.move(tmp, dir.resolve(String.format("%019d.json", next++)), StandardCopyOption.ATOMIC_MOVE);
        var all = files();
        for (int i = 0; i < all.size() - capacity; i++) {
            Files.deleteIfExists(all.get(i));
            addDropped(1);
        }
    }

    /** Sends everything buffered, oldest first, in batches; stops at the first failure (nothing is lost). */
    public synchronized int drain(Sender sender) throws IOException {
        int sent = 0;
        while (true) {
            var batchFiles = files().stream().limit(BATCH).toList();
            if (batchFiles.isEmpty()) {
                return sent;
            }
            var batch = new ArrayList<Map<String, Object>>();
            for (var f : batchFiles) {
                batch.add(JSON.readValue(f.toFile(), new TypeReference<Map<String, Object>>() {}));
            }
            sender.send(batch);
            for (var f : batchFiles) {
                Files.deleteIfExists(f);
            }
            sent += batch.size();
        }
    }

    public synchronized int size() throws IOException {
        return files().size();
    }

    /** Reports dropped because the buffer was full, since the node was installed. */
    public synchronized long dropped() throws IOException {
        var file = dir.resolve("dropped");
        return Files.exists(file) ? Long.parseLong(Files.readString(file).strip()) : 0;
    }

    private void addDropped(long n) throws IOException {
        Files.writeString(dir.resolve("dropped"), Long.toString(dropped() + n));
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().matches("\\d{19}\\.json")).sorted().toList();
        }
    }

    private static long sequence(Path p) {
        return Long.parseLong(p.getFileName().toString().substring(0, 19));
    }
}
