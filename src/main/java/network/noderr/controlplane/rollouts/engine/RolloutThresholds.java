package network.noderr.controlplane.rollouts.engine;

/**
 * Per-rollout limits for the cohort gate and automatic rollback (DESIGN §4 defaults).
 *
 * @param maxUnhealthyRatio roll back when more than this share of a cohort's updated nodes is unhealthy (0.10)
 * @param maxErrorRate roll back when more than this share of a cohort's update attempts failed or rolled back (0.05)
 * @param gateMinUpdatedRatio the next cohort activates only when at least this share of the previous cohort runs the
 *     target (0.90); a cohort with no nodes passes
 * @param minSample how many nodes must back a breached limit (unhealthy updated nodes, or failed update attempts) for
 *     the rollback to be automatic (3); a breach backed by fewer nodes pauses the rollout for a person to decide, so
 *     one or two nodes, whatever they report, can never roll a release back on their own
 */
public record RolloutThresholds(double maxUnhealthyRatio, double maxErrorRate, double gateMinUpdatedRatio,
        int minSample) {

    /** The most nodes {@link #minSample} may ask for: more than any tier holds. */
    public static final int MAX_MIN_SAMPLE = 1_000_000;

    public static final int DEFAULT_MIN_SAMPLE = 3;

    public static final RolloutThresholds DEFAULT = new RolloutThresholds(0.10, 0.05, 0.90, DEFAULT_MIN_SAMPLE);

    public RolloutThresholds {
        check("maxUnhealthyRatio", maxUnhealthyRatio);
        check("maxErrorRate", maxErrorRate);
        check("gateMinUpdatedRatio", gateMinUpdatedRatio);
        if (minSample < 1 || minSample > MAX_MIN_SAMPLE) {
            throw new IllegalArgumentException("minSample must be 1-" + MAX_MIN_SAMPLE + ", was " + minSample);
        }
    }

    /** Limits with the default minimum sample ({@value #DEFAULT_MIN_SAMPLE} nodes). */
    public RolloutThresholds(double maxUnhealthyRatio, double maxErrorRate, double gateMinUpdatedRatio) {
        this(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio, DEFAULT_MIN_SAMPLE);
    }

    /** The same ratios with another minimum sample. */
    public RolloutThresholds withMinSample(int newMinSample) {
        return new RolloutThresholds(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio, newMinSample);
    }

    private static void check(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + value);
        }
    }
}
