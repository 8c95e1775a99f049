package network.noderr.controlplane.security;

/** Port through which the node filter asks the node registry whether a node may use the node API. */
public interface NodeStatusLookup {

    /** True when the node exists and is not suspended. */
    boolean isActive(String nodeId);

    /**
     * Of {@code nodeIds}, those that exist and are not suspended, read now (not cached): one question for many nodes
     * (the push stream's, before a push).
     */
    java.util.Set<String> active(java.util.Collection<String> nodeIds);
}
