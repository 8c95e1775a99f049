package network.noderr.controlplane.rollouts.engine;

import java.util.Locale;
import java.util.Set;

/**
 * Stored rollout states and their legal transitions (DESIGN §4): {@code pending → active ⇄ paused → completed},
 * {@code active|paused → rolled_back}, {@code active|paused → aborted}.
 */
public enum RolloutStatus {
    /** Created, not started (e.g. waiting for its on-chain confirmation). */
    PENDING,
    /** Cohorts activate with the clock. */
    ACTIVE,
    /** The activation clock is stopped; nodes get no new updates. */
    PAUSED,
    /** Every cohort is active and every node runs the target. */
    COMPLETED,
    /** The tier was rolled back to an earlier version (automatically or by a person). */
    ROLLED_BACK,
    /** Stopped by a person; nodes keep what they run. */
    ABORTED;

    public boolean canTransitionTo(RolloutStatus next) {
        return switch (this) {
            case PENDING -> Set.of(ACTIVE, ABORTED).contains(next);
            case ACTIVE -> Set.of(PAUSED, COMPLETED, ROLLED_BACK, ABORTED).contains(next);
            case PAUSED -> Set.of(ACTIVE, COMPLETED, ROLLED_BACK, ABORTED).contains(next);
            case COMPLETED, ROLLED_BACK, ABORTED -> false;
        };
    }

    /** Throws a domain exception with a message a person can act on when the transition is illegal. */
    public RolloutStatus transitionTo(RolloutStatus next) {
        if (!canTransitionTo(next)) {
            throw new IllegalTransitionException(this, next);
        }
        return next;
    }

    public boolean isFinished() {
        return this == COMPLETED || this == ROLLED_BACK || this == ABORTED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
