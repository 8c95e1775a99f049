package network.noderr.controlplane.live;

import com.vaadin.hilla.BrowserCallable;
import com.vaadin.hilla.exception.EndpointException;
import jakarta.annotation.security.RolesAllowed;
import network.noderr.controlplane.security.Role;
import org.jspecify.annotations.NonNull;
import reactor.core.publisher.Flux;

/**
 * The dashboard's live streams over Hilla push. Every role may listen; the events carry no data a VIEWER may not
 * read, only what changed.
 */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class LiveService {

    private final LiveEvents events;

    LiveService(LiveEvents events) {
        this.events = events;
    }

    /** What changed on the dashboard: a hello, then at most one change event per second, and heartbeats. */
    public @NonNull Flux<@NonNull LiveEvent> changes() {
        return events.changes();
    }

    /** Ticks when this node reports or changes, for the node details screen. */
    public @NonNull Flux<@NonNull LiveEvent> node(@NonNull String nodeId) {
        if (nodeId.isBlank() || nodeId.length() > 255) {
            throw new EndpointException("nodeId must be 1 to 255 characters");
        }
        return events.node(nodeId);
    }
}
