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
 * @param minOperators how many distinct operators those nodes must belong to for the rollback to be automatic (2); an
 *     operator is a node's application (a node without one is an operator of its own). A breach backed by nodes of
 *     fewer operators pauses the rollout too, so one operator registering many nodes cannot roll a release back
 */
public record RolloutThresholds(double maxUnhealthyRatio, double maxErrorRate, double gateMinUpdatedRatio,
        int minSample, int minOperators) {

    /** The most nodes {@link #minSample} may ask for: more than any tier holds. */
    public static final int MAX_MIN_SAMPLE = 1_000_000;

    /** The most operators {@link #minOperators} may ask for. */
    public static final int MAX_MIN_OPERATORS = 1_000_000;

    public static final int DEFAULT_MIN_SAMPLE = 3;

    public static final int DEFAULT_MIN_OPERATORS = 2;

    public static final RolloutThresholds DEFAULT =
            new RolloutThresholds(0.10, 0.05, 0.90, DEFAULT_MIN_SAMPLE, DEFAULT_MIN_OPERATORS);

    public RolloutThresholds {
        check("maxUnhealthyRatio", maxUnhealthyRatio);
        check("maxErrorRate", maxErrorRate);
        check("gateMinUpdatedRatio", gateMinUpdatedRatio);
        if (minSample < 1 || minSample > MAX_MIN_SAMPLE) {
            throw new IllegalArgumentException("minSample must be 1-" + MAX_MIN_SAMPLE + ", was " + minSample);
        }
        if (minOperators < 1 || minOperators > MAX_MIN_OPERATORS) {
            throw new IllegalArgumentException(
                    "minOperators must be 1-" + MAX_MIN_OPERATORS + ", was " + minOperators);
        }
    }

    /** Limits with this minimum sample and the default minimum of operators ({@value #DEFAULT_MIN_OPERATORS}). */
    public RolloutThresholds(double maxUnhealthyRatio, double maxErrorRate, double gateMinUpdatedRatio,
            int minSample) {
        this(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio, minSample, DEFAULT_MIN_OPERATORS);
    }

    /** Limits with the default minimum sample ({@value #DEFAULT_MIN_SAMPLE} nodes) and operators. */
    public RolloutThresholds(double maxUnhealthyRatio, double maxErrorRate, double gateMinUpdatedRatio) {
        this(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio, DEFAULT_MIN_SAMPLE);
    }

    /** The same limits with another minimum sample. */
    public RolloutThresholds withMinSample(int newMinSample) {
        return new RolloutThresholds(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio, newMinSample,
                minOperators);
    }

    /** The same limits with another minimum of operators. */
    public RolloutThresholds withMinOperators(int newMinOperators) {
        return new RolloutThresholds(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio, minSample,
                newMinOperators);
    }

    private static void check(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + value);
        }
    }
}
