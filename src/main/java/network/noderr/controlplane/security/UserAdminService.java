package network.noderr.controlplane.security;

import com.vaadin.hilla.BrowserCallable;
import com.vaadin.hilla.exception.EndpointException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import network.noderr.controlplane.shared.Audited;
import org.jspecify.annotations.NonNull;

/** User management for the Users screen; ADMIN only. */
@BrowserCallable
@RolesAllowed(Role.Names.ADMIN)
public class UserAdminService {

    /** Form data for a new user. */
    public record NewUser(
            @NotBlank @Size(max = 64) String username,
            @NotBlank @Size(min = UserAccounts.MIN_PASSWORD_LENGTH, max = 200) String password,
            @NotNull Role role) {}

    private final UserAccounts users;

    UserAdminService(UserAccounts users) {
        this.users = users;
    }

    public @NonNull List<@NonNull UserAccount> list() {
        return users.list();
    }

    @Audited
    public @NonNull UserAccount create(@NonNull NewUser user) {
        try {
            return users.create(user.username(), user.password(), user.role());
        } catch (IllegalArgumentException e) {
            throw new EndpointException(e.getMessage());
        }
    }
}
