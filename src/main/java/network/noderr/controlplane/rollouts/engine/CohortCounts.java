package network.noderr.controlplane.rollouts.engine;

/**
 * What is known about one cohort of a tier for a rollout.
 *
 * @param nodes active nodes in the cohort
 * @param updated nodes running the rollout's target version
 * @param unhealthy updated nodes whose latest health is unhealthy (including silent ones)
 * @param updateAttempts nodes of this cohort that reported an update attempt for the rollout (one per node)
 * @param updateFailures of those, nodes whose latest report is FAILED or ROLLED_BACK
 * @param unhealthyOperators distinct operators of the {@code unhealthy} nodes (a node's application; a node without
 *     one is an operator of its own)
 * @param failureOperators distinct operators of the nodes behind {@code updateFailures}
 * @param baselineNodes nodes of the cohort that run an earlier release (a version other than the target; not those
 *     that have reported none): what the release's nodes are compared with
 * @param baselineUnhealthy of those, the unhealthy ones (including silent ones), by the same rule as {@code unhealthy}
 */
public record CohortCounts(long nodes, long updated, long healthy, long unhealthy, long updateAttempts,
        long updateFailures, long unhealthyOperators, long failureOperators, long baselineNodes,
        long baselineUnhealthy) {

    public static final CohortCounts EMPTY = new CohortCounts(0, 0, 0, 0, 0, 0, 0, 0);

    public CohortCounts {
        if (nodes < 0 || updated < 0 || healthy < 0 || unhealthy < 0 || updateAttempts < 0 || updateFailures < 0
                || unhealthyOperators < 0 || failureOperators < 0 || baselineNodes < 0 || baselineUnhealthy < 0) {
            throw new IllegalArgumentException("counts cannot be negative");
        }
        if (baselineUnhealthy > baselineNodes) {
            throw new IllegalArgumentException("more unhealthy nodes than nodes on an earlier release");
        }
        if (updateFailures > updateAttempts) {
            throw new IllegalArgumentException("more failures than attempts");
        }
        if (unhealthyOperators > unhealthy || failureOperators > updateFailures) {
            throw new IllegalArgumentException("more operators than nodes");
        }
    }

    /** Counts without nodes on an earlier release. */
    public CohortCounts(long nodes, long updated, long healthy, long unhealthy, long updateAttempts,
            long updateFailures, long unhealthyOperators, long failureOperators) {
        this(nodes, updated, healthy, unhealthy, updateAttempts, updateFailures, unhealthyOperators, failureOperators,
                0, 0);
    }

    /** Counts whose unhealthy and failed nodes each belong to an operator of their own. */
    public CohortCounts(long nodes, long updated, long healthy, long unhealthy, long updateAttempts,
            long updateFailures) {
        this(nodes, updated, healthy, unhealthy, updateAttempts, updateFailures, unhealthy, updateFailures);
    }

    /** The same counts with these distinct operators behind the unhealthy and the failed nodes. */
    public CohortCounts withOperators(long newUnhealthyOperators, long newFailureOperators) {
        return new CohortCounts(nodes, updated, healthy, unhealthy, updateAttempts, updateFailures,
                newUnhealthyOperators, newFailureOperators, baselineNodes, baselineUnhealthy);
    }

    /**
     * The node counts of both added up. Distinct operators do not add up (one operator may have nodes on both
     * sides): the sum keeps the larger of each, the least the union can hold; whoever needs the exact number counts
     * the operators over the whole set, as the cohort counts do.
     */
    public CohortCounts plus(CohortCounts other) {
        return new CohortCounts(nodes + other.nodes, updated + other.updated, healthy + other.healthy,
                unhealthy + other.unhealthy, updateAttempts + other.updateAttempts,
                updateFailures + other.updateFailures, Math.max(unhealthyOperators, other.unhealthyOperators),
                Math.max(failureOperators, other.failureOperators), baselineNodes + other.baselineNodes,
                baselineUnhealthy + other.baselineUnhealthy);
    }
}
