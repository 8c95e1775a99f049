package network.noderr.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
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
 *
 * @param lastCheck when the control plane last answered the version query
 * @param checkedAt when the daemon last checked, whatever the outcome
 * @param result the last check's {@link Daemon.CheckResult} (its name), null before the first; a check that had nothing
 *     to do ({@code UP_TO_DATE}) is written as {@link #NOT_MOVED_NOW} or {@link #NO_RELEASE} unless the node runs the
 *     target, and a check that starts an update writes {@link #UPDATING} before the update's first step
 * @param error what made the last check fail ({@code FAILED}), else null
 * @param target the last target the control plane named (or a pushed rollback), null before the first answer
 */
public record AgentStatus(@Nullable Instant lastCheck, @Nullable Instant lastReport, @Nullable String runningVersion,
        @Nullable Instant checkedAt, @Nullable String result, @Nullable String error, @Nullable Target target) {

    static final String FILE = "agent-status.json";

    /** {@code result}: the control plane names a version the node does not run, and does not move the node to it now. */
    public static final String NOT_MOVED_NOW = "NOT_MOVED_NOW";
    /** {@code result}: the control plane names no release for the node's tier. */
    public static final String NO_RELEASE = "NO_RELEASE";
    /** {@code result}: this check started an update to the target, which was still running when this was written. */
    public static final String UPDATING = "UPDATING";

    /** The version query's answer as the daemon last had it. */
    public record Target(@Nullable String version, @Nullable String imageDigest, boolean shouldUpdate,
            String priority) {}

    public AgentStatus(@Nullable Instant lastCheck, @Nullable Instant lastReport, @Nullable String runningVersion) {
        this(lastCheck, lastReport, runningVersion, null, null, null, null);
    }

    void save(Path stateDir) throws IOException {
        var json = new LinkedHashMap<String, @Nullable Object>();
        json.put("lastCheck", lastCheck == null ? null : lastCheck.toString());
        json.put("lastReport", lastReport == null ? null : lastReport.toString());
        json.put("runningVersion", runningVersion);
        json.put("checkedAt", checkedAt == null ? null : checkedAt.toString());
        json.put("result", result);
        json.put("error", error);
        if (target != null) {
            var t = new LinkedHashMap<String, @Nullable Object>();
            t.put("version", target.version());
            t.put("imageDigest", target.imageDigest());
            t.put("shouldUpdate", target.shouldUpdate());
            t.put("priority", target.priority());
            json.put("target", t);
        }
        StateStore.writeAtomically(stateDir.resolve(FILE), Shared.JSON.writeValueAsBytes(json));
    }

    public static Optional<AgentStatus> load(Path stateDir) throws IOException {
        var file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        var json = Shared.JSON.readTree(file.toFile());
        var t = json.path("target");
        var target = t.isObject() ? new Target(t.path("version").asText(null), t.path("imageDigest").asText(null),
                t.path("shouldUpdate").asBoolean(false), t.path("priority").asText("normal")) : null;
        return Optional.of(new AgentStatus(instant(json, "lastCheck"), instant(json, "lastReport"),
                json.path("runningVersion").asText(null), instant(json, "checkedAt"), json.path("result").asText(null),
                json.path("error").asText(null), target));
    }

    private static @Nullable Instant instant(JsonNode json, String field) {
        var text = json.path(field).asText(null);
        return text == null ? null : Instant.parse(text);
    }
}
