package network.noderr.controlplane.nodes;

import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;

/**
 * How many nodes share one tier, status, health and running version (one row of the registry's aggregate).
 *
 * @param health healthy, degraded or unhealthy; null for nodes that never reported
 * @param version the version the node last reported running; null before its first report
 */
public record NodeCount(Tier tier, NodeStatus status, @Nullable String health, @Nullable String version, long nodes) {}
