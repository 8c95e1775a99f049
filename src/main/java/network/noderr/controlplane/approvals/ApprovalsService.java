package network.noderr.controlplane.approvals;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.shared.Audited;
import network.noderr.controlplane.shared.Endpoints;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * The Approvals screen: everyone sees pending and recent requests; RELEASE_MANAGER and ADMIN approve (which runs the
 * action), reject or cancel their own; ADMIN turns a tier's two-person rule on or off.
 */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class ApprovalsService {

    private final Approvals approvals;

    ApprovalsService(Approvals approvals) {
        this.approvals = approvals;
    }

    public @NonNull List<@NonNull ApprovalView> list(@Nullable ApprovalStatus status) {
        return Endpoints.call(() -> approvals.list(status, 200));
    }

    public @NonNull List<@NonNull TwoPersonRuleView> rules() {
        return approvals.rules();
    }

    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull ApprovalView approve(@NonNull UUID id) {
        return Endpoints.call(() -> approvals.approve(id, Actors.currentUsername()));
    }

    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull ApprovalView reject(@NonNull UUID id, @NonNull String reason) {
        return Endpoints.call(() -> approvals.reject(id, Actors.currentUsername(), reason));
    }

    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull ApprovalView cancel(@NonNull UUID id) {
        return Endpoints.call(() -> approvals.cancel(id, Actors.currentUsername()));
    }

    @RolesAllowed(Role.Names.ADMIN)
    @Audited
    public @NonNull TwoPersonRuleView setRule(@NonNull Tier tier, boolean enabled) {
        return Endpoints.call(() -> approvals.setRule(tier, enabled, Actors.currentUsername()));
    }
}
