package network.noderr.controlplane.security;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/** What every user may do for themselves: their own API tokens (shown once) and their password. */
@Service
public class MyAccount {

    /** Longest lifetime of a self-issued token. */
    static final int MAX_DAYS = 3650;

    private final UserAccounts users;
    private final ApiTokens tokens;
    private final Clock clock;

    MyAccount(UserAccounts users, ApiTokens tokens, Clock clock) {
        this.users = users;
        this.tokens = tokens;
        this.clock = clock;
    }

    public List<ApiTokens.TokenInfo> tokens() {
        return tokens.list(me().id());
    }

    /** @param expiresInDays 1 to 3650, or null for a token that does not expire */
    public ApiTokens.IssuedToken createToken(String name, @Nullable Integer expiresInDays) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new InvalidRequestException("name", "must be 1 to 100 characters");
        }
        if (expiresInDays != null && (expiresInDays < 1 || expiresInDays > MAX_DAYS)) {
            throw new InvalidRequestException("expiresInDays", "must be 1 to " + MAX_DAYS + " (or left out)");
        }
        return tokens.issue(me().id(), name.strip(),
                expiresInDays == null ? null : clock.instant().plus(Duration.ofDays(expiresInDays)));
    }

    public void revokeToken(UUID id) {
        if (!tokens.revoke(me().id(), id)) {
            throw new ProblemException(404, "token-unknown", "No such token",
                    "You have no active API token " + id + ".");
        }
    }

    /**
     * Changes the caller's password. Their other dashboard sessions end at their next request; the one that changed
     * it stays logged in.
     *
     * @throws InvalidRequestException on {@code currentPassword} or {@code newPassword}, saying what to fix
     */
    public void changePassword(String currentPassword, String newPassword) {
        SessionLogins.markCurrent(users.changePassword(Actors.currentUsername(), currentPassword, newPassword), false);
    }

    private UserAccount me() {
        return users.findByUsername(Actors.currentUsername())
                .orElseThrow(() -> new IllegalStateException("the current user has no account"));
    }
}
