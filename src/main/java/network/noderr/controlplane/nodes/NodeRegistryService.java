package network.noderr.controlplane.nodes;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.shared.Endpoints;
import org.jspecify.annotations.NonNull;

/** The registry for the dashboard's Nodes screen. */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class NodeRegistryService {

    private final NodeRegistry registry;

    NodeRegistryService(NodeRegistry registry) {
        this.registry = registry;
    }

    public @NonNull NodePage find(@NonNull NodeQuery query) {
        return Endpoints.call(() -> registry.find(query));
    }
}
