package network.noderr.controlplane.applications;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import network.noderr.controlplane.shared.ProblemException;
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
 * without a restart; answers conditional ({@code If-Modified-Since}) and range requests.
 */
@RestController
class AgentDownloadController {

    static final MediaType JAVA_ARCHIVE = MediaType.parseMediaType("application/java-archive");

    private final OnboardingProperties properties;

    AgentDownloadController(OnboardingProperties properties) {
        this.properties = properties;
    }

    @GetMapping("/downloads/noderr-agent.jar")
    @Nullable ResponseEntity<Resource> agentJar(WebRequest request) {
        var configured = properties.agentJar();
        var file = configured == null || configured.isBlank() ? null : Path.of(configured);
        if (file == null || !Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ProblemException(404, "agent-unavailable", "No agent download",
                    "This control plane offers no node agent to download yet: its operator sets "
                            + "noderr.onboarding.agent-jar (NODERR_AGENT_JAR) to the agent's jar. Meanwhile the "
                            + "installers take one with --agent-jar.");
        }
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
}
