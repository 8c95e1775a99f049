package network.noderr.controlplane.health;

import java.util.Set;

/**
 * Health reports were committed (published by the ingest's writer after each group commit, outside any transaction),
 * or nodes fell silent and were marked unhealthy ({@link SilentNodes}).
 *
 * @param nodeIds every node that reported in the batch (or fell silent)
 * @param changedNodeIds the nodes whose health classification or running version changed with it: the only changes
 *     the registry's columns and the rollout counts show, so the only ones that need a screen refreshed
 */
public record HealthReported(Set<String> nodeIds, Set<String> changedNodeIds) {}
