package network.noderr.controlplane.security;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.Audited;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** User management for the Users screen; ADMIN only. */
@BrowserCallable
@RolesAllowed(Role.Names.ADMIN)
public class UserAdminService {

    private final UserAdministration admin;

    UserAdminService(UserAdministration admin) {
        this.admin = admin;
    }

    public @NonNull List<@NonNull UserAccount> list() {
        return admin.list();
    }

    @Audited
    public @NonNull UserAccount create(@NonNull NewUser user) {
        return FormErrors.call(() -> {
            try {
                return admin.create(user);
            } catch (ProblemException e) {
                // A taken name is the username field's problem, shown under it.
                if (e.typeName().equals("user-exists")) {
                    throw new InvalidRequestException("username", e.getMessage());
                }
                throw e;
            }
        });
    }

    @Audited
    public @NonNull UserAccount changeRole(@NonNull UUID id, @NonNull Role role) {
        return FormErrors.call(() -> admin.changeRole(id, role));
    }

    @Audited
    public @NonNull UserAccount setEnabled(@NonNull UUID id, boolean enabled) {
        return FormErrors.call(() -> admin.setEnabled(id, enabled));
    }

    /** @param password the new password, or null/empty to generate one (in the result, shown once) */
    @Audited
    public UserAccounts.@NonNull PasswordReset resetPassword(@NonNull UUID id, @Nullable String password) {
        return FormErrors.call(() -> admin.resetPassword(id, password));
    }

    public @NonNull List<ApiTokens.@NonNull TokenInfo> tokens(@NonNull UUID id) {
        return FormErrors.call(() -> admin.tokens(id));
    }

    @Audited
    public void revokeToken(@NonNull UUID id, @NonNull UUID tokenId) {
        FormErrors.run(() -> admin.revokeToken(id, tokenId));
    }
}
