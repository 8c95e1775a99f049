package network.noderr.controlplane.rollouts.engine;

/**
 * What is known about one cohort of a tier for a rollout.
 *
 * @param nodes active nodes in the cohort
 * @param updated nodes running the rollout's target version
 * @param unhealthy updated nodes whose latest health is unhealthy (including silent ones)
 * @param updateAttempts nodes of this cohort that reported an update attempt for the rollout (one per node)
 * @param updateFailures of those, nodes whose latest report is FAILED or ROLLED_BACK
 */
public record CohortCounts(long nodes, long updated, long healthy, long unhealthy, long updateAttempts,
        long updateFailures) {

    public static final CohortCounts EMPTY = new CohortCounts(0, 0, 0, 0, 0, 0);

    public CohortCounts {
        if (nodes < 0 || updated < 0 || healthy < 0 || unhealthy < 0 || updateAttempts < 0 || updateFailures < 0) {
            throw new IllegalArgumentException("counts cannot be negative");
        }
        if (updateFailures > updateAttempts) {
            throw new IllegalArgumentException("more failures than attempts");
        }
    }

    public CohortCounts plus(CohortCounts other) {
        return new CohortCounts(nodes + other.nodes, updated + other.updated, healthy + other.healthy,
                unhealthy + other.unhealthy, updateAttempts + other.updateAttempts,
                updateFailures + other.updateFailures);
    }
}
