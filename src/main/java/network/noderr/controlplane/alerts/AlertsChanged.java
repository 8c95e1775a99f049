package network.noderr.controlplane.alerts;

import java.util.Set;

/**
 * Alerts were raised, updated, resolved or acknowledged. Published inside the transaction that made the change.
 *
 * @param nodeIds the nodes the changed alerts are about (alerts without a node add none)
 */
public record AlertsChanged(Set<String> nodeIds) {}
