package network.noderr.controlplane.security;

/** Port through which the node filter asks the node registry whether a node may use the node API. */
public interface NodeStatusLookup {

    /** True when the node exists and is not suspended. */
    boolean isActive(String nodeId);
}
