package network.noderr.controlplane.security;

import jakarta.servlet.http.HttpSession;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * When a dashboard session logged in, kept in the session, so that a password change can end the sessions that
 * logged in before it: {@link SessionAccountFilter} compares it with the user's {@code password_changed_at}.
 */
final class SessionLogins {

    static final String ATTRIBUTE = "noderr.loggedInAt";

    private SessionLogins() {}

    /**
     * Marks the current request's session as logged in at {@code at}; {@code create} makes one when the request has
     * none yet (a login), otherwise a request without a session (an API token) marks nothing.
     */
    static void markCurrent(Instant at, boolean create) {
        if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes request) {
            var session = request.getRequest().getSession(create);
            if (session != null) {
                session.setAttribute(ATTRIBUTE, at);
            }
        }
    }

    /** Whether a session logged in at {@code loggedInAt} is still valid after the password changed at that time. */
    static boolean outlived(@Nullable HttpSession session, @Nullable Instant passwordChangedAt) {
        if (passwordChangedAt == null) {
            return false;
        }
        var loggedInAt = session == null ? null : session.getAttribute(ATTRIBUTE);
        return !(loggedInAt instanceof Instant at) || at.isBefore(passwordChangedAt);
    }
}
