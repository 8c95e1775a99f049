package network.noderr.controlplane.applications;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
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

    /** Applications shown per page on the Applications screen; "Load more" asks for the next page. */
    static final int PAGE = 100;

    /**
     * One page of the Applications screen: pending applications oldest first, others newest first; {@code after}
     * (the last application shown so far) asks for the next page.
     */
    public @NonNull ApplicationPage list(@Nullable ApplicationStatus status, @Nullable UUID after) {
        return Endpoints.call(() -> applications.list(status, after, PAGE));
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

    /**
     * Revokes the application's usable install tokens and issues one new one.
     *
     * @param expectedRevocations how many usable tokens the confirmation said would stop working
     */
    @RolesAllowed(Role.Names.ADMIN)
    @Audited
    public @NonNull Approval reissueToken(@NonNull UUID id, int expectedRevocations) {
        return Endpoints.call(() -> applications.reissueToken(id, Actors.currentUsername(), baseUrl(),
                expectedRevocations));
    }

    private static String baseUrl() {
        return ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
    }
}
