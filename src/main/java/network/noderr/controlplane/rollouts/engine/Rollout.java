package network.noderr.controlplane.rollouts.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A rollout's stored state: everything else (which cohorts are due, the phase) is derived from it, the clock and the
 * counts. Immutable; the engine returns changed copies.
 *
 * @param elapsedBeforeResume active (unpaused) time accumulated before the current active stretch
 * @param resumedAt when the current active stretch began (null unless ACTIVE)
 * @param activatedThrough highest activated cohort index (0 = canary only); -1 before start
 * @param reason why it was paused, aborted or rolled back (null otherwise)
 * @param gateHoldUntil after a person resumed it: until then a closed cohort gate holds the next cohort back without
 *     pausing the rollout again, so the previous cohort's stragglers (who get no update while it is paused) can
 *     update (null: no hold)
 */
public record Rollout(
        RolloutStatus status,
        String targetVersion,
        RolloutConfig config,
        RolloutThresholds thresholds,
        @Nullable Instant startedAt,
        Duration elapsedBeforeResume,
        @Nullable Instant resumedAt,
        int activatedThrough,
        @Nullable String reason,
        @Nullable Instant gateHoldUntil) {

    public Rollout {
        Objects.requireNonNull(status);
        Objects.requireNonNull(targetVersion);
        if (activatedThrough < -1 || activatedThrough > 4) {
            throw new IllegalArgumentException("activatedThrough must be -1..4");
        }
        if (status == RolloutStatus.ACTIVE && resumedAt == null) {
            throw new IllegalArgumentException("an active rollout needs resumedAt");
        }
    }

    /** A rollout without a gate hold. */
    public Rollout(RolloutStatus status, String targetVersion, RolloutConfig config, RolloutThresholds thresholds,
            @Nullable Instant startedAt, Duration elapsedBeforeResume, @Nullable Instant resumedAt,
            int activatedThrough, @Nullable String reason) {
        this(status, targetVersion, config, thresholds, startedAt, elapsedBeforeResume, resumedAt, activatedThrough,
                reason, null);
    }

    /** A new rollout that has not started. */
    public static Rollout pending(String targetVersion, RolloutConfig config, RolloutThresholds thresholds) {
        return new Rollout(RolloutStatus.PENDING, targetVersion, config, thresholds, null, Duration.ZERO, null, -1,
                null);
    }

    /** The same rollout with other limits; a finished rollout's limits no longer matter and stay as they were. */
    public Rollout withThresholds(RolloutThresholds newThresholds) {
        if (status.isFinished()) {
            throw new IllegalTransitionException("the rollout is " + status.wireName() + ": its limits no longer apply");
        }
        return new Rollout(status, targetVersion, config, Objects.requireNonNull(newThresholds), startedAt,
                elapsedBeforeResume, resumedAt, activatedThrough, reason, gateHoldUntil);
    }

    /** Whether a closed gate holds the next cohort back at {@code now} instead of pausing the rollout. */
    public boolean isGateHeld(Instant now) {
        return gateHoldUntil != null && now.isBefore(gateHoldUntil);
    }

    public boolean isCohortActive(Cohort cohort) {
        return cohort.index() <= activatedThrough;
    }

    /** The activated cohorts, canary first (none before the start). */
    public java.util.List<Cohort> activeCohorts() {
        return java.util.stream.IntStream.rangeClosed(0, activatedThrough).mapToObj(Cohort::ofIndex).toList();
    }

    /** A changed copy; any gate hold ends (a hold lasts only while nothing else happens after a resume). */
    Rollout with(RolloutStatus newStatus, Duration elapsed, @Nullable Instant resumed, int through,
            @Nullable String newReason) {
        return with(newStatus, elapsed, resumed, through, newReason, null);
    }

    Rollout with(RolloutStatus newStatus, Duration elapsed, @Nullable Instant resumed, int through,
            @Nullable String newReason, @Nullable Instant newGateHoldUntil) {
        return new Rollout(newStatus, targetVersion, config, thresholds, startedAt, elapsed, resumed, through,
                newReason, newGateHoldUntil);
    }
}
