package network.noderr.controlplane.applications;

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
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** The Applications screen: everyone sees the queue, only ADMIN decides. */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class ApplicationsService {

    private final Applications applications;

    ApplicationsService(Applications applications) {
        this.applications = applications;
    }

    public @NonNull List<@NonNull ApplicationView> list(@Nullable ApplicationStatus status) {
        return applications.list(status);
    }

    @RolesAllowed(Role.Names.ADMIN)
    @Audited
    public @NonNull Approval approve(@NonNull UUID id) {
        return Endpoints.call(() -> applications.approve(id, Actors.currentUsername(), baseUrl()));
    }

    @RolesAllowed(Role.Names.ADMIN)
    @Audited
    public @NonNull ApplicationView reject(@NonNull UUID id, @NonNull String reason) {
        return Endpoints.call(() -> applications.reject(id, Actors.currentUsername(), reason));
    }

    @RolesAllowed(Role.Names.ADMIN)
    @Audited
    public @NonNull Approval reissueToken(@NonNull UUID id) {
        return Endpoints.call(() -> applications.reissueToken(id, Actors.currentUsername(), baseUrl()));
    }


    private static String baseUrl() {
        return ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
    }
}
