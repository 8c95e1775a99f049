package network.noderr.controlplane.health;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import java.util.List;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.shared.Endpoints;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** A node's health history for the node details screen's chart. */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class HealthHistoryService {

    private final HealthHistory history;

    HealthHistoryService(HealthHistory history) {
        this.history = history;
    }

    /** The node's latest {@code limit} reports (1 to 1000), newest first. */
    public @NonNull List<@NonNull StoredHealthReport> latest(@NonNull String nodeId, int limit) {
        return Endpoints.call(() -> history.latest(nodeId, limit));
    }

    /** Why the node has the health the registry shows; null when there is no such node. */
    public @Nullable HealthExplanation explain(@NonNull String nodeId) {
        return Endpoints.call(() -> history.explain(nodeId).orElse(null));
    }
}
