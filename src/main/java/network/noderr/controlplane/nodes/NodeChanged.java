package network.noderr.controlplane.nodes;

/**
 * A node joined the registry or its status changed. Published inside the transaction that made the change, so
 * transactional listeners hear about it only once it commits.
 */
public record NodeChanged(String nodeId, Kind kind) {

    public enum Kind {
        REGISTERED,
        SUSPENDED,
        REINSTATED
    }
}
