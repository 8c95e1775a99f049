package network.noderr.controlplane.security;

import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.ProblemException;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * What an admin does to other users, for the Users screen and {@code /api/v1/admin/users}: the acting admin is the
 * authenticated user of the request. Callers check the ADMIN role.
 */
@Service
public class UserAdministration {

    private final UserAccounts users;
    private final ApiTokens tokens;

    UserAdministration(UserAccounts users, ApiTokens tokens) {
        this.users = users;
        this.tokens = tokens;
    }

    public List<UserAccount> list() {
        return users.list();
    }

    public UserAccount get(UUID id) {
        return users.get(id);
    }

    public UserAccount create(NewUser user) {
        return users.create(user.username(), user.password(), user.role());
    }

    public UserAccount changeRole(UUID id, Role role) {
        return users.changeRole(Actors.currentUsername(), id, role);
    }

    public UserAccount setEnabled(UUID id, boolean enabled) {
        return users.setEnabled(Actors.currentUsername(), id, enabled);
    }

    /** @param password the new password, or null to generate one that is returned once */
    public UserAccounts.PasswordReset resetPassword(UUID id, @Nullable String password) {
        return users.resetPassword(Actors.currentUsername(), id, password);
    }

    /** The user's API tokens, newest first, revoked ones included; never the secret. */
    public List<ApiTokens.TokenInfo> tokens(UUID id) {
        return tokens.list(users.get(id).id());
    }

    public void revokeToken(UUID id, UUID tokenId) {
        var user = users.get(id);
        if (!tokens.revoke(user.id(), tokenId)) {
            throw new ProblemException(404, "token-unknown", "No such token",
                    user.username() + " has no active API token " + tokenId + ". Reload the token list.");
        }
    }
}
