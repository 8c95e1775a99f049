package network.noderr.agent.daemon;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A health buffer on a disk that takes no new file, as a full ({@code ENOSPC}) or read-only ({@code EROFS}) one:
 * failure-injecting, since the tests run as root, which permission bits do not stop. Reading, deleting and the rest
 * work as on the real disk below.
 */
final class FailingWritesHealthBuffer extends HealthBuffer {

    private volatile boolean failing = true;

    FailingWritesHealthBuffer(Path dir, int capacity) {
        super(dir, capacity);
    }

    /** Whether writes fail from now on. */
    void failing(boolean failing) {
        this.failing = failing;
    }

    @Override
    protected void write(Path file, byte[] content) throws IOException {
        if (failing) {
            throw new FileSystemException(file.toString(), null, "No space left on device");
        }
        super.write(file, content);
    }
}
