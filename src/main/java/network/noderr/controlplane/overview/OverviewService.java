package network.noderr.controlplane.overview;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import network.noderr.controlplane.security.Role;
import org.jspecify.annotations.NonNull;

/** The Overview screen's data; every role may read it. */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class OverviewService {

    private final OverviewQuery query;

    OverviewService(OverviewQuery query) {
        this.query = query;
    }

    public @NonNull Overview get() {
        return query.current();
    }
}
