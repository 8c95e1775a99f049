package network.noderr.controlplane.nodes;

import com.vaadin.hilla.BrowserCallable;
import com.vaadin.hilla.exception.EndpointException;
import jakarta.annotation.security.RolesAllowed;
import java.util.List;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.shared.Audited;
import network.noderr.controlplane.shared.Endpoints;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** The registry for the dashboard's Nodes and node details screens; suspending and reinstating is for ADMIN. */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class NodeRegistryService {

    /** Update reports shown on the details screen (its version history). */
    static final int DETAIL_UPDATES = 50;

    private final NodeRegistry registry;
    private final NodeIdentity identity;

    NodeRegistryService(NodeRegistry registry, NodeIdentity identity) {
        this.registry = registry;
        this.identity = identity;
    }

    public @NonNull NodePage find(@NonNull NodeQuery query) {
        return Endpoints.call(() -> registry.find(query));
    }

    /** The versions nodes run now, newest first (the registry's version filter). */
    public @NonNull List<@NonNull String> versionsInUse() {
        return registry.versionsInUse();
    }

    /**
     * One node in full with its latest update reports; null when there is no such node (a link to a removed node is
     * an answer, not an error: the screen says so without a failed request).
     */
    public @Nullable NodeDetails details(@NonNull String nodeId) {
        return registry.details(nodeId, DETAIL_UPDATES).orElse(null);
    }

    /**
     * Refuses the node on every node endpoint (authentication included) until reinstated. The reason (required, up
     * to {@value NodeIdentity#MAX_SUSPENSION_REASON} characters) goes into the audit log and the node's details.
     */
    @RolesAllowed(Role.Names.ADMIN)
    @Audited
    public @NonNull NodeStatus suspend(@NonNull String nodeId, @NonNull String reason) {
        boolean found = Endpoints.call(() -> identity.suspend(nodeId, reason, Actors.currentUsername()));
        if (!found) {
            throw new EndpointException("There is no node " + nodeId + "; it may have been removed.");
        }
        return NodeStatus.SUSPENDED;
    }

    @RolesAllowed(Role.Names.ADMIN)
    @Audited
    public @NonNull NodeStatus reinstate(@NonNull String nodeId) {
        return change(nodeId, NodeStatus.ACTIVE);
    }

    private NodeStatus change(String nodeId, NodeStatus status) {
        if (!identity.setStatus(nodeId, status)) {
            throw new EndpointException("There is no node " + nodeId + "; it may have been removed.");
        }
        return status;
    }
}
