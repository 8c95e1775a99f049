package network.noderr.agent.update;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The update record on disk ({@code <state-dir>/update.json}), replaced atomically: written to a temporary file,
 * forced to disk, then renamed over the old one, so a crash leaves either the old or the new record, never half.
 * Not final only so that tests can make a write fail (a full or read-only disk) at a chosen state.
 */
public class StateStore {

    /**
     * Instants as ISO-8601 text ({@link Instant#toString()} and {@link Instant#parse}), the records' format since the
     * first version; two small (de)serializers instead of Jackson's java.time module, whose ~75 classes would stay
     * loaded in the idle daemon for these two fields (docs/agent.md, "Footprint").
     */
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new SimpleModule("instants")
                    .addSerializer(Instant.class, ToStringSerializer.instance)
                    .addDeserializer(Instant.class, new FromStringDeserializer<>(Instant.class) {
                        @Override
                        protected Instant _deserialize(String value, DeserializationContext context)
                                throws IOException {
                            try {
                                return Instant.parse(value);
                            } catch (DateTimeParseException e) {
                                throw context.weirdStringException(value, Instant.class, e.getMessage());
                            }
                        }
                    }))
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;
    private final Path previousFile;
    private final Path mutexFile;
    private final Path failedFile;
    private final String container;

    public StateStore(Path stateDir, String container) {
        this.file = stateDir.resolve("update.json");
        this.previousFile = stateDir.resolve("previous-version.json");
        this.mutexFile = stateDir.resolve("update.mutex");
        this.failedFile = stateDir.resolve("failed-target.json");
        this.container = container;
    }

    /**
     * The version the node ran before its last successful update, kept for {@code noderr-agent rollback}.
     *
     * @param repository the image repository both versions come from
     */
    public record PreviousVersion(String version, String repository, Instant replacedAt) {}

    public Optional<PreviousVersion> previous() {
        if (!Files.exists(previousFile)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(previousFile.toFile(), PreviousVersion.class));
        } catch (IOException e) {
            throw new UncheckedIOException("The previous-version record " + previousFile + " is unreadable", e);
        }
    }

    void savePrevious(PreviousVersion previous) {
        try {
            writeAtomically(previousFile, JSON.writeValueAsBytes(previous));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + previousFile, e);
        }
    }

    /**
     * A target whose update failed on this node (FAILED or ROLLED_BACK): the daemon does not start it again by itself
     * until the control plane names another version or digest, or the operator runs {@code noderr-agent retry}.
     */
    public record FailedTarget(String versionString, String imageDigest, UpdateOutcome outcome,
            @Nullable String reason, Instant failedAt) {

        /** The same version and the same image digest: the same update. */
        public boolean matches(UpdateTarget target) {
            return versionString.equals(target.versionString()) && imageDigest.equals(target.imageDigest());
        }
    }

    public Optional<FailedTarget> failed() {
        if (!Files.exists(failedFile)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(failedFile.toFile(), FailedTarget.class));
        } catch (IOException e) {
            throw new UncheckedIOException("The failed-target record " + failedFile + " is unreadable; delete it to "
                    + "let the agent try every target again", e);
        }
    }

    void saveFailed(FailedTarget failed) {
        try {
            writeAtomically(failedFile, JSON.writeValueAsBytes(failed));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + failedFile, e);
        }
    }

    /** Forgets the failed target (one atomic unlink); false when none was recorded. */
    public boolean clearFailed() {
        try {
            return Files.deleteIfExists(failedFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete " + failedFile, e);
        }
    }

    /**
     * Held while an update runs, across processes (the daemon and {@code noderr-agent rollback}): an OS file lock,
     * released by the kernel if the holder dies. Null when another process holds it.
     */
    @Nullable Mutex tryLock() {
        try {
            Files.createDirectories(mutexFile.getParent());
            var channel = FileChannel.open(mutexFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                var lock = channel.tryLock();
                if (lock == null) {
                    channel.close();
                    return null;
                }
                return new Mutex(channel);
            } catch (java.nio.channels.OverlappingFileLockException e) { // held by this process
                channel.close();
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open " + mutexFile, e);
        }
    }

    /** Releases the update lock when closed. */
    record Mutex(FileChannel channel) implements AutoCloseable {
        @Override
        public void close() {
            try {
                channel.close(); // releases the lock
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
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
            writeAtomically(file, JSON.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the update state " + file, e);
        }
    }

    /** Writes a temporary file, forces it to disk and renames it over {@code target}: all or nothing. */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        write(target, content, false);
    }

    /**
     * As {@link #writeAtomically(Path, byte[])}, for a secret: readable and writable by its owner only from the moment
     * the temporary file exists.
     */
    public static void writeOwnerOnly(Path target, byte[] content) throws IOException {
        write(target, content, true);
    }

    private static void write(Path target, byte[] content, boolean ownerOnly) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        var tmp = target.resolveSibling(target.getFileName() + ".tmp");
        if (ownerOnly) {
            Files.deleteIfExists(tmp); // a leftover would keep its own permissions
        }
        var attributes = ownerOnly
                ? new java.nio.file.attribute.FileAttribute<?>[] {java.nio.file.attribute.PosixFilePermissions
                        .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))}
                : new java.nio.file.attribute.FileAttribute<?>[0];
        try (var channel = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), attributes)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
            channel.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
