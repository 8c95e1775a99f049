package network.noderr.agent.daemon;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.jspecify.annotations.Nullable;

/**
 * Whether the operator's update lock ({@code update-lock-file}) holds updates: one answer for the daemon, which
 * starts no update unless the lock is known not to exist, and for {@code status} and {@code retry}, which say so.
 *
 * @param problem why the lock cannot be checked ({@link State#UNKNOWN} only), e.g. "permission denied"
 */
public record OperatorLock(Path file, State state, @Nullable String problem) {

    public enum State {
        /** The lock file exists: no update starts until it is deleted. */
        HELD,
        /** The lock file is known not to exist. */
        FREE,
        /**
         * Whether it exists cannot be told (no permission to look into its directory, a symlink loop): updates are
         * held as by a lock, until it can be told.
         */
        UNKNOWN
    }

    /** Looks once (following links, as the operator's shell does): exists, known not to, or cannot be told. */
    public static OperatorLock of(Path file) {
        try {
            Files.readAttributes(file, BasicFileAttributes.class);
            return new OperatorLock(file, State.HELD, null);
        } catch (NoSuchFileException e) {
            return new OperatorLock(file, State.FREE, null);
        } catch (AccessDeniedException e) {
            return new OperatorLock(file, State.UNKNOWN, "permission denied");
        } catch (FileSystemException e) {
            return new OperatorLock(file, State.UNKNOWN, e.getReason() != null ? e.getReason() : e.toString());
        } catch (IOException | SecurityException e) {
            return new OperatorLock(file, State.UNKNOWN, e.toString());
        }
    }

    /** True unless the lock is known not to exist: a lock that may exist holds (fails closed). */
    public boolean holdsUpdates() {
        return state != State.FREE;
    }
}
