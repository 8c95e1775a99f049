package network.noderr.agent.update;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The update record on disk ({@code <state-dir>/update.json}), replaced atomically: written to a temporary file,
 * forced to disk, then renamed over the old one, so a crash leaves either the old or the new record, never half.
 */
public final class StateStore {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;
    private final String container;

    public StateStore(Path stateDir, String container) {
        this.file = stateDir.resolve("update.json");
        this.container = container;
    }

    public UpdateRecord load() {
        if (!Files.exists(file)) {
            return UpdateRecord.idle(container);
        }
        try {
            return JSON.readValue(file.toFile(), UpdateRecord.class);
        } catch (IOException e) {
            throw new UncheckedIOException("The update state " + file + " is unreadable; move it away to start over", e);
        }
    }

    public void save(UpdateRecord record) {
        try {
            Files.createDirectories(file.getParent());
            var tmp = file.resolveSibling("update.json.tmp");
            try (var channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(record)));
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the update state " + file, e);
        }
    }
}
