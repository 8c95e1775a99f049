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
 * @param fromContainerId the old container's id, recorded before it is touched: only this container is ever renamed
 *     back or removed as "the previous container", never another one that happens to carry its name
 * @param fromRestartPolicy the old container's restart policy as Docker writes it ({@code always},
 *     {@code on-failure:5}, …), recorded before it is set to {@code no} for the swap; the new container gets it, and
 *     a rollback gives it back to the old one
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
        @Nullable Instant healthWindowStartedAt,
        @Nullable String fromContainerId,
        @Nullable String fromRestartPolicy) {

    public static UpdateRecord idle(String container) {
        return new UpdateRecord(UpdateState.IDLE, container, container + "-previous", null, null, null, null, null,
                null, null, null, null);
    }

    public UpdateRecord to(UpdateState next) {
        return new UpdateRecord(next, container, previousContainer, target, fromVersion, fromImage, outcome, reason,
                startedAt, next == UpdateState.HEALTH_WINDOW && healthWindowStartedAt == null ? Instant.now()
                        : healthWindowStartedAt, fromContainerId, fromRestartPolicy);
    }

    /** The outcome is known: go report it. */
    public UpdateRecord finish(UpdateOutcome result, @Nullable String why) {
        return new UpdateRecord(UpdateState.REPORTING, container, previousContainer, target, fromVersion, fromImage,
                result, why, startedAt, healthWindowStartedAt, fromContainerId, fromRestartPolicy);
    }

    public UpdateRecord withFrom(@Nullable String version, @Nullable String image) {
        return new UpdateRecord(state, container, previousContainer, target, version, image, outcome, reason,
                startedAt, healthWindowStartedAt, fromContainerId, fromRestartPolicy);
    }

    /** The old container as it was before the update touched it (its id, image and restart policy). */
    public UpdateRecord withOldContainer(String id, String image, String restartPolicy) {
        return new UpdateRecord(state, container, previousContainer, target, fromVersion, image, outcome, reason,
                startedAt, healthWindowStartedAt, id, restartPolicy);
    }
}
