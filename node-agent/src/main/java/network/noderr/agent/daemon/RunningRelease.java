package network.noderr.agent.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Optional;
import network.noderr.agent.api.Shared;
import network.noderr.agent.update.StateStore;

/**
 * The release the node container's image was found to be, by digest, when its version label says something else
 * ({@code v1.5.0} for the release {@code 1.5.0}, or no label): in {@code <state-dir>/running-release.json}, so that
 * the daemon reports the release's version for that image (version checks and health) instead of updating to the
 * image it already runs at every check. Keyed by the image id: another image makes it void.
 */
record RunningRelease(String imageId, String versionString) {

    static final String FILE = "running-release.json";

    void save(Path stateDir) throws IOException {
        var json = new LinkedHashMap<String, String>();
        json.put("imageId", imageId);
        json.put("versionString", versionString);
        StateStore.writeAtomically(stateDir.resolve(FILE), Shared.JSON.writeValueAsBytes(json));
    }

    /** The recorded release of {@code imageId}; empty when none is recorded for it (or the file is unreadable). */
    static Optional<String> versionOf(Path stateDir, String imageId) {
        var file = stateDir.resolve(FILE);
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            var json = Shared.JSON.readTree(Files.readAllBytes(file));
            return imageId.equals(json.path("imageId").asText())
                    ? Optional.of(json.path("versionString").asText()).filter(v -> !v.isBlank())
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the label then: the next check records the release again
        }
    }
}
