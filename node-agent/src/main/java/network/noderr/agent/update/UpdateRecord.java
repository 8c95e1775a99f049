package network.noderr.agent.update;

import java.time.Instant;
import network.noderr.agent.docker.NodeContainers;
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
 * @param firstContainer the node had no container (neither under its name nor the "previous" one) when the update
 *     reached PREPARING: the update creates the node's first container from
 *     {@link network.noderr.agent.docker.FirstContainer} defaults, labelled {@link #CREATED_LABEL} with
 *     {@code startedAt} so that only that container is ever started or removed by it, and a rollback removes it
 *     again (false in records written before the agent created first containers)
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
        @Nullable String fromRestartPolicy,
        boolean firstContainer) {

    public static UpdateRecord idle(String container) {
        return new UpdateRecord(UpdateState.IDLE, container, container + "-previous", null, null, null, null, null,
                null, null, null, null, false);
    }

    public UpdateRecord to(UpdateState next) {
        return new UpdateRecord(next, container, previousContainer, target, fromVersion, fromImage, outcome, reason,
                startedAt, next == UpdateState.HEALTH_WINDOW && healthWindowStartedAt == null ? Instant.now()
                        : healthWindowStartedAt, fromContainerId, fromRestartPolicy, firstContainer);
    }

    /** The outcome is known: go report it. */
    /**
     * The update ends with {@code result} for the reason {@code why}, which is put on one line here (every reason is
     * built through this): it goes to the control plane, the log and {@code status}, and a Docker error in it carries
     * the daemon's JSON answer with a line break ({@code Status 400: {"message":"…"}} and a newline).
     */
    public UpdateRecord finish(UpdateOutcome result, @Nullable String why) {
        return new UpdateRecord(UpdateState.REPORTING, container, previousContainer, target, fromVersion, fromImage,
                result, why == null ? null : oneLine(why), startedAt, healthWindowStartedAt, fromContainerId, fromRestartPolicy, firstContainer);
    }

    /** {@code text} with each line break (and the blanks around it) made one space, and without outer blanks. */
    public static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    public UpdateRecord withFrom(@Nullable String version, @Nullable String image) {
        return new UpdateRecord(state, container, previousContainer, target, version, image, outcome, reason,
                startedAt, healthWindowStartedAt, fromContainerId, fromRestartPolicy, firstContainer);
    }

    /** The old container as it was before the update touched it (its id, image and restart policy). */
    public UpdateRecord withOldContainer(String id, String image, String restartPolicy) {
        return new UpdateRecord(state, container, previousContainer, target, fromVersion, image, outcome, reason,
                startedAt, healthWindowStartedAt, id, restartPolicy, firstContainer);
    }

    /** The node has no container: this update creates its first one (see {@code firstContainer}). */
    public UpdateRecord asFirstContainer() {
        return new UpdateRecord(state, container, previousContainer, target, fromVersion, fromImage, outcome, reason,
                startedAt, healthWindowStartedAt, null, null, true);
    }

    /**
     * The label the node's first container is created with; its value is the creating update's {@code startedAt}, by
     * which the update recognises its own container after a crash.
     */
    public static final String CREATED_LABEL = NodeContainers.CREATED_LABEL;

    /** The value of {@link #CREATED_LABEL} on the container this update creates. */
    public String createdLabelValue() {
        return String.valueOf(startedAt);
    }
}
