package network.noderr.agent.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Optional;
import network.noderr.agent.api.Shared;
import network.noderr.agent.update.StateStore;
import org.jspecify.annotations.Nullable;

/**
 * What the running daemon last did, in {@code <state-dir>/agent-status.json}, for {@code noderr-agent status} (a
 * separate process). Written atomically after every check and health report.
 */
public record AgentStatus(@Nullable Instant lastCheck, @Nullable Instant lastReport, @Nullable String runningVersion) {

    static final String FILE = "agent-status.json";

    void save(Path stateDir) throws IOException {
        var json = new LinkedHashMap<String, @Nullable String>();
        json.put("lastCheck", lastCheck == null ? null : lastCheck.toString());
        json.put("lastReport", lastReport == null ? null : lastReport.toString());
        json.put("runningVersion", runningVersion);
        StateStore.writeAtomically(stateDir.resolve(FILE), Shared.JSON.writeValueAsBytes(json));
    }

    public static Optional<AgentStatus> load(Path stateDir) throws IOException {
        var file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        var json = Shared.JSON.readTree(file.toFile());
        return Optional.of(new AgentStatus(instant(json.path("lastCheck").asText(null)),
                instant(json.path("lastReport").asText(null)), json.path("runningVersion").asText(null)));
    }

    private static @Nullable Instant instant(@Nullable String text) {
        return text == null ? null : Instant.parse(text);
    }
}
