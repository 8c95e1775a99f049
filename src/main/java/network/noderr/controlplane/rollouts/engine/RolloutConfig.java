package network.noderr.controlplane.rollouts.engine;

/**
 * How a tier's nodes are split and paced (DESIGN §4, seed defaults 5 / 25 / 24).
 *
 * @param canaryPercentage share of buckets (0-99) in the canary
 * @param cohortPercentage share of buckets in each of cohorts 1-3; cohort 4 takes the rest
 * @param cohortDelayHours hours between cohort activations (cohort k at k × delay)
 */
public record RolloutConfig(int canaryPercentage, int cohortPercentage, int cohortDelayHours) {

    public static final RolloutConfig DEFAULT = new RolloutConfig(5, 25, 24);

    public RolloutConfig {
        if (canaryPercentage < 0 || canaryPercentage > 100) {
            throw new IllegalArgumentException("canaryPercentage must be 0-100, was " + canaryPercentage);
        }
        // long arithmetic: a huge cohortPercentage must not wrap around and pass.
        if (cohortPercentage < 0 || cohortPercentage > 100 || canaryPercentage + 3L * cohortPercentage > 100) {
            throw new IllegalArgumentException("cohortPercentage must be >= 0 with canary + 3 × cohort <= 100, was "
                    + canaryPercentage + " + 3 × " + cohortPercentage);
        }
        if (cohortDelayHours < 1 || cohortDelayHours > 24 * 30) {
            throw new IllegalArgumentException("cohortDelayHours must be 1-720, was " + cohortDelayHours);
        }
    }

    /**
     * The buckets of cohorts 0 to {@code activatedThrough}, which are contiguous: those below the returned bound (0
     * when no cohort is active, 100 once cohort 4 is).
     */
    public int activeBucketBound(int activatedThrough) {
        if (activatedThrough < -1 || activatedThrough > 4) {
            throw new IllegalArgumentException("activatedThrough must be -1..4, was " + activatedThrough);
        }
        return activatedThrough < 0 ? 0 : upperBound(activatedThrough);
    }

    /** Upper bound (exclusive) of the buckets of the cohort with this index; cohort 4 ends at 100. */
    int upperBound(int cohortIndex) {
        return cohortIndex >= 4 ? 100 : canaryPercentage + cohortIndex * cohortPercentage;
    }
}
