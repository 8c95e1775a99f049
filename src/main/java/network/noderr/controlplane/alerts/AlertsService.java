package network.noderr.controlplane.alerts;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.shared.Audited;
import network.noderr.controlplane.shared.Endpoints;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** The Alerts screen: alerts, firing first; acknowledging one (RELEASE_MANAGER and up). */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class AlertsService {

    private final Alerts alerts;

    AlertsService(Alerts alerts) {
        this.alerts = alerts;
    }

    public @NonNull List<@NonNull AlertView> list(@Nullable String status) {
        return Endpoints.call(() -> alerts.list(status, 200));
    }

    /** When Alertmanager last sent an alert (of those stored); null when none is, e.g. its webhook is not set up. */
    public java.time.@Nullable Instant lastFromAlertmanager() {
        return alerts.lastFromAlertmanager().orElse(null);
    }

    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull AlertView acknowledge(@NonNull UUID id) {
        return Endpoints.call(() -> alerts.acknowledge(id, Actors.currentUsername()));
    }
}
