package network.noderr.agent.update;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Everything needed to finish (or undo) an update after a crash; persisted by {@link StateStore} before each step.
 *
 * @param container the node's container name (the one the update replaces)
 * @param previousContainer the name the old container is kept under until commit or rollback
 * @param fromVersion the version running before the update, if known
 * @param fromImage the old container's image id, to recognise it after a crash
 */
public record UpdateRecord(
        UpdateState state,
        String container,
        String previousContainer,
        @Nullable UpdateTarget target,
        @Nullable String fromVersion,
        @Nullable String fromImage,
        @Nullable UpdateOutcome outcome,
        @Nullable String reason,
        @Nullable Instant startedAt,
        @Nullable Instant healthWindowStartedAt) {

    public static UpdateRecord idle(String container) {
        return new UpdateRecord(UpdateState.IDLE, container, container + "-previous", null, null, null, null, null,
                null, null);
    }

    public UpdateRecord to(UpdateState next) {
        return new UpdateRecord(next, container, previousContainer, target, fromVersion, fromImage, outcome, reason,
                startedAt, next == UpdateState.HEALTH_WINDOW && healthWindowStartedAt == null ? Instant.now()
                        : healthWindowStartedAt);
    }

    /** The outcome is known: go report it. */
    public UpdateRecord finish(UpdateOutcome result, @Nullable String why) {
        return new UpdateRecord(UpdateState.REPORTING, container, previousContainer, target, fromVersion, fromImage,
                result, why, startedAt, healthWindowStartedAt);
    }

    public UpdateRecord withFrom(@Nullable String version, @Nullable String image) {
        return new UpdateRecord(state, container, previousContainer, target, version, image, outcome, reason,
                startedAt, healthWindowStartedAt);
    }
}
