package network.noderr.controlplane.rollouts.engine;

/**
 * Per-rollout limits for the cohort gate and automatic rollback (DESIGN §4 defaults).
 *
 * @param maxUnhealthyRatio roll back when more than this share of a cohort's updated nodes is unhealthy (0.10)
 * @param maxErrorRate roll back when more than this share of a cohort's update attempts failed or rolled back (0.05)
 * @param gateMinUpdatedRatio the next cohort activates only when at least this share of the previous cohort runs the
 *     target (0.90); a cohort with no nodes passes
 */
public record RolloutThresholds(double maxUnhealthyRatio, double maxErrorRate, double gateMinUpdatedRatio) {

    public static final RolloutThresholds DEFAULT = new RolloutThresholds(0.10, 0.05, 0.90);

    public RolloutThresholds {
        check("maxUnhealthyRatio", maxUnhealthyRatio);
        check("maxErrorRate", maxErrorRate);
        check("gateMinUpdatedRatio", gateMinUpdatedRatio);
    }

    private static void check(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + value);
        }
    }
}
