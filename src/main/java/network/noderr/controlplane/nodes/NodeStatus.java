package network.noderr.controlplane.nodes;

/** Whether a registered node may use the node API. */
public enum NodeStatus {
    ACTIVE,
    /** Refused (403) on every node endpoint until reinstated by an ADMIN. */
    SUSPENDED
}
