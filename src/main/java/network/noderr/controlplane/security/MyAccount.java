package network.noderr.controlplane.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.stereotype.Service;

/** What every user may do for themselves: their own API tokens (shown once) and their password. */
@Service
public class MyAccount {

    /** Longest lifetime of a self-issued token. */
    static final int MAX_DAYS = 3650;

    private final UserAccounts users;
    private final ApiTokens tokens;
    private final Clock clock;
    private final LoginThrottle throttle;

    MyAccount(UserAccounts users, ApiTokens tokens, Clock clock, LoginThrottle throttle) {
        this.users = users;
        this.tokens = tokens;
        this.clock = clock;
        this.throttle = throttle;
    }

    public List<ApiTokens.TokenInfo> tokens() {
        return tokens.list(me().id());
    }

    /**
     * Issues a token for the caller. A token created by a request that authenticated with an API token never outlives
     * that token: its expiry is capped at the calling token's (and a caller whose token expires gets one that expires
     * then, not never), and it is revoked with that token. Created from the dashboard, it expires as asked.
     *
     * At most {@link ApiTokens#MAX_USABLE_PER_USER} usable tokens per user (409 {@code too-many-tokens} beyond).
     *
     * @param expiresInDays 1 to 3650, or null for a token that does not expire (subject to the cap above)
     */
    public ApiTokens.IssuedToken createToken(String name, @Nullable Integer expiresInDays) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new InvalidRequestException("name", "must be 1 to 100 characters");
        }
        if (expiresInDays != null && (expiresInDays < 1 || expiresInDays > MAX_DAYS)) {
            throw new InvalidRequestException("expiresInDays", "must be 1 to " + MAX_DAYS + " (or left out)");
        }
        Instant expiresAt = expiresInDays == null ? null : clock.instant().plus(Duration.ofDays(expiresInDays));
        var callingToken = callingTokenId();
        if (callingToken != null) {
            var callerExpiry = tokens.expiry(callingToken)
                    .orElseThrow(() -> new ProblemException(403, "token-unknown", "Calling token unknown",
                            "The API token this request authenticated with no longer exists."));
            if (callerExpiry.isPresent() && (expiresAt == null || expiresAt.isAfter(callerExpiry.get()))) {
                expiresAt = callerExpiry.get();
            }
        }
        return tokens.issueOwn(me().id(), name.strip(), expiresAt, callingToken);
    }

    /** The id of the API token the current request authenticated with, or null for a dashboard session. */
    private static @Nullable UUID callingTokenId() {
        var auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth != null && auth.getPrincipal() instanceof OAuth2AuthenticatedPrincipal principal
                && principal.getAttribute("token_id") instanceof String id) {
            return UUID.fromString(id);
        }
        return null;
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
     * A wrong current password counts as a failed login of the user from this address ({@link LoginThrottle}): a
     * session in the wrong hands cannot guess the password without limit, and while the login is refused so is this.
     *
     * @throws InvalidRequestException on {@code currentPassword} or {@code newPassword}, saying what to fix
     */
    public void changePassword(String currentPassword, String newPassword) {
        var username = Actors.currentUsername();
        var address = currentAddress();
        var wait = throttle.refusal(address, username);
        if (wait.isPresent()) {
            var minutes = Math.max(1, (wait.get().toSeconds() + 59) / 60);
            throw new InvalidRequestException("currentPassword", "Too many wrong passwords: try again in " + minutes
                    + (minutes == 1 ? " minute" : " minutes") + ". Nothing changed.");
        }
        Instant changed;
        try {
            changed = users.changePassword(username, currentPassword, newPassword);
        } catch (InvalidRequestException e) {
            if (e.fieldErrors().containsKey("currentPassword")) {
                throttle.failed(address, username);
            }
            throw e;
        }
        SessionLogins.markCurrent(changed, false);
    }

    private static String currentAddress() {
        var attributes = org.springframework.web.context.request.RequestContextHolder.getRequestAttributes();
        return attributes instanceof org.springframework.web.context.request.ServletRequestAttributes servlet
                ? servlet.getRequest().getRemoteAddr() : "unknown";
    }

    private UserAccount me() {
        return users.findByUsername(Actors.currentUsername())
                .orElseThrow(() -> new IllegalStateException("the current user has no account"));
    }
}
