package network.noderr.agent.daemon;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import network.noderr.agent.update.StateStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health reports waiting to be delivered, one file per report on disk so that they survive restarts, delivered in
 * the order they were taken. Bounded: beyond {@code capacity} the oldest are dropped, and counted. A report that can
 * never be delivered (refused by the control plane as invalid, or unreadable on disk) is dropped and counted too, so
 * that it cannot hold back the ones after it.
 */
public class HealthBuffer {

    /** Delivers one ordered batch; throws when it was not acknowledged (the batch stays). */
    @FunctionalInterface
    public interface Sender {
        /** @throws Refused when the control plane refused (some of) the batch as invalid */
        void send(List<Map<String, Object>> batch) throws IOException;
    }

    /**
     * The control plane refused a batch as invalid: none of it was stored. {@code invalid} holds the positions in the
     * batch of the reports it named; empty when it named none.
     */
    public static final class Refused extends IOException {
        private final SortedSet<Integer> invalid;

        public Refused(String message, SortedSet<Integer> invalid) {
            super(message);
            this.invalid = new TreeSet<>(invalid);
        }

        public SortedSet<Integer> invalid() {
            return invalid;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(HealthBuffer.class);
    private static final ObjectMapper JSON = network.noderr.agent.api.Shared.JSON;
    private static final int BATCH = 300; // ~57 KiB of JSON, under the control plane's 64 KiB body limit
    private static final int LOGGED_REASON = 500; // a refusal can name every report of a batch

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

    /**
     * Buffers {@code report}.
     *
     * @throws IOException when it could not be written (a full or read-only disk): it is then not buffered
     */
    public synchronized void add(Map<String, Object> report) throws IOException {
        var tmp = dir.resolve("incoming.tmp");
        write(tmp, JSON.writeValueAsBytes(report));
        Files.move(tmp, dir.resolve(String.format("%019d.json", next++)), StandardCopyOption.ATOMIC_MOVE);
        try { // buffered now: trimming to the bound must not make it look unbuffered
            var all = files();
            for (int i = 0; i < all.size() - capacity; i++) {
                Files.deleteIfExists(all.get(i));
                addDropped(1);
            }
        } catch (IOException e) {
            log.warn("The health buffer could not drop its oldest reports beyond {}: {}", capacity, e.toString());
        }
    }

    /** Writes a report's file: where a full or read-only disk makes {@link #add} fail. */
    protected void write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
    }

    /**
     * Delivers a report that could not be buffered (the disk is full or read-only) after everything buffered, as
     * {@link #drain} does, so that the control plane still hears from the node in the order the reports were taken.
     * When the buffered ones cannot be delivered, neither is this one (it is lost: there is nowhere to keep it).
     *
     * @return how many reports were delivered, {@code unbuffered} included
     */
    public synchronized int drain(Sender sender, Map<String, Object> unbuffered) throws IOException {
        int sent = drain(sender);
        try {
            sender.send(List.of(unbuffered));
            return sent + 1;
        } catch (Refused e) {
            log.warn("The control plane refused the health report taken at {}; dropped: {}",
                    unbuffered.get("timestamp"), e.getMessage());
            try {
                addRefused(1);
            } catch (IOException notCounted) {
                log.warn("The refused report could not be counted: {}", notCounted.toString());
            }
            return sent;
        }
    }

    /**
     * Sends everything buffered, oldest first, in batches; stops at the first failure (nothing is lost). When the
     * control plane refuses a batch as invalid, the reports it names are dropped and the rest sent again; when it
     * names none, the batch's reports are sent one by one and only those refused are dropped.
     */
    public synchronized int drain(Sender sender) throws IOException {
        int sent = 0;
        while (true) {
            var batchFiles = new ArrayList<Path>();
            var batch = new ArrayList<Map<String, Object>>();
            for (var f : files().stream().limit(BATCH).toList()) {
                var report = read(f);
                if (report != null) {
                    batchFiles.add(f);
                    batch.add(report);
                }
            }
            if (batchFiles.isEmpty()) {
                return sent;
            }
            try {
                sender.send(batch);
            } catch (Refused e) {
                var named = e.invalid().subSet(0, batch.size());
                if (named.isEmpty()) {
                    sent += oneByOne(sender, batchFiles, batch);
                } else {
                    refuse(named.stream().map(batchFiles::get).toList(), named.stream().map(batch::get).toList(), e);
                }
                continue;
            }
            for (var f : batchFiles) {
                Files.deleteIfExists(f);
            }
            sent += batch.size();
        }
    }

    private int oneByOne(Sender sender, List<Path> files, List<Map<String, Object>> reports) throws IOException {
        int sent = 0;
        for (int i = 0; i < files.size(); i++) {
            try {
                sender.send(List.of(reports.get(i)));
                sent++;
                Files.deleteIfExists(files.get(i));
            } catch (Refused e) {
                refuse(List.of(files.get(i)), List.of(reports.get(i)), e);
            }
        }
        return sent;
    }

    private void refuse(List<Path> files, List<Map<String, Object>> reports, Refused why) throws IOException {
        var reason = why.getMessage();
        var first = reports.getFirst().get("timestamp");
        var last = reports.getLast().get("timestamp");
        log.warn("The control plane refused {} buffered health report(s), taken at {}; dropped: {}", reports.size(),
                reports.size() == 1 ? first : first + " … " + last,
                reason.length() > LOGGED_REASON ? reason.substring(0, LOGGED_REASON) + "…" : reason);
        for (var f : files) {
            Files.deleteIfExists(f);
        }
        addRefused(files.size());
    }

    /** The report in {@code file}; null (and the file dropped) when it is not a JSON object. */
    private @Nullable Map<String, Object> read(Path file) throws IOException {
        Map<String, Object> report;
        String problem = "empty";
        try {
            report = JSON.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
        } catch (JacksonException e) {
            report = null;
            problem = e.getOriginalMessage();
        }
        if (report == null) {
            log.warn("Buffered health report {} is not readable and was dropped: {}", file.getFileName(), problem);
            Files.deleteIfExists(file);
            addRefused(1);
        }
        return report;
    }

    public synchronized int size() throws IOException {
        return files().size();
    }

    /** Reports dropped because the buffer was full, since the node was installed. */
    public synchronized long dropped() throws IOException {
        return counter("dropped");
    }

    /** Reports dropped because they can never be delivered (refused as invalid, or unreadable), since install. */
    public synchronized long refused() throws IOException {
        return counter("refused");
    }

    private void addDropped(long n) throws IOException {
        count("dropped", n);
    }

    private void addRefused(long n) throws IOException {
        count("refused", n);
    }

    /** A counter file's value: 0 when it does not exist, or (with a warning) when it does not hold a number. */
    private long counter(String name) throws IOException {
        var file = dir.resolve(name);
        if (!Files.exists(file)) {
            return 0;
        }
        var text = Files.readString(file).strip();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            log.warn("The health buffer's {} counter ({}) does not hold a number ('{}'); counting again from 0",
                    name, file, text.length() > 40 ? text.substring(0, 40) + "…" : text);
            return 0;
        }
    }

    /** Adds {@code n} to a counter, replacing its file atomically: never left empty, even by a crash or a full disk. */
    private void count(String name, long n) throws IOException {
        StateStore.writeAtomically(dir.resolve(name),
                Long.toString(counter(name) + n).getBytes(StandardCharsets.US_ASCII));
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
