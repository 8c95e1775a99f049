package network.noderr.controlplane;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** A small jar standing for the node agent's, for the control plane to serve at /downloads/noderr-agent.jar. */
public final class TestAgentJar {

    private TestAgentJar() {}

    /** Writes it at {@code path} (parents created); returns its bytes. */
    public static byte[] write(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        try (var zip = new ZipOutputStream(Files.newOutputStream(path))) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write("Manifest-Version: 1.0\n".getBytes());
            zip.closeEntry();
        }
        return Files.readAllBytes(path);
    }
}
