package network.noderr.controlplane.applications;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Sha256;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.WebRequest;

/**
 * Public: the node agent's jar, which the installers download ({@code GET /downloads/noderr-agent.jar}), from
 * {@code noderr.onboarding.agent-jar}. Read from disk on every request, so replacing the file publishes a new agent
 * without a restart; answers conditional ({@code If-Modified-Since}) and range requests. Its SHA-256 is published
 * next to it ({@code GET /downloads/noderr-agent.jar.sha256}, in {@code sha256sum} format), computed from the file
 * served (again when the file's size or modification time changes); the installers refuse a jar that does not match.
 */
@RestController
class AgentDownloadController {

    static final MediaType JAVA_ARCHIVE = MediaType.parseMediaType("application/java-archive");

    private final OnboardingProperties properties;

    /** The last digest computed, with the file state it belongs to. */
    private final AtomicReference<Digest> digest = new AtomicReference<>();

    private record Digest(Path file, long size, long modified, String hex) {}

    AgentDownloadController(OnboardingProperties properties) {
        this.properties = properties;
    }

    @GetMapping("/downloads/noderr-agent.jar")
    @Nullable ResponseEntity<Resource> agentJar(WebRequest request) {
        var file = jarFile();
        long modified;
        try {
            modified = Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (request.checkNotModified(modified)) {
            return null; // 304
        }
        return ResponseEntity.ok()
                .contentType(JAVA_ARCHIVE)
                .lastModified(modified)
                .header(HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment().filename("noderr-agent.jar").build().toString())
                .body(new FileSystemResource(file));
    }

    /** The jar's SHA-256 as {@code sha256sum} prints it: {@code <64 hex digits>  noderr-agent.jar}. */
    @GetMapping(value = "/downloads/noderr-agent.jar.sha256", produces = MediaType.TEXT_PLAIN_VALUE)
    ResponseEntity<String> agentJarSha256() {
        var file = jarFile();
        return ResponseEntity.ok()
                .contentType(MediaType.TEXT_PLAIN)
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .body(sha256(file) + "  noderr-agent.jar\n");
    }

    private Path jarFile() {
        var configured = properties.agentJar();
        var file = configured == null || configured.isBlank() ? null : Path.of(configured);
        if (file == null || !Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ProblemException(404, "agent-unavailable", "No agent download",
                    "This control plane offers no node agent to download yet: its operator sets "
                            + "noderr.onboarding.agent-jar (NODERR_AGENT_JAR) to the agent's jar. Meanwhile the "
                            + "installers take one with --agent-jar.");
        }
        return file;
    }

    private String sha256(Path file) {
        try {
            long size = Files.size(file);
            long modified = Files.getLastModifiedTime(file).toMillis();
            var known = digest.get();
            if (known != null && known.file().equals(file) && known.size() == size && known.modified() == modified) {
                return known.hex();
            }
            var hex = Sha256.hex(Files.newInputStream(file));
            // Only remembered when the file did not change while it was read.
            if (Files.size(file) == size && Files.getLastModifiedTime(file).toMillis() == modified) {
                digest.set(new Digest(file, size, modified, hex));
            }
            return hex;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
