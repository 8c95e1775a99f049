package network.noderr.controlplane.security;

import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.stereotype.Component;

/** Counts each failed dashboard password login (wrong password or unknown user) against {@link LoginThrottle}. */
@Component
class LoginFailures {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LoginFailures.class);

    private final LoginThrottle throttle;

    LoginFailures(LoginThrottle throttle) {
        this.throttle = throttle;
    }

    @EventListener
    void onBadCredentials(AuthenticationFailureBadCredentialsEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken login
                && login.getDetails() instanceof WebAuthenticationDetails details) {
            try {
                throttle.failed(details.getRemoteAddress(), login.getName());
            } catch (org.springframework.dao.TransientDataAccessException e) {
                // The login has failed anyway; the next attempt is refused with 503 while the throttle is unreadable.
                log.warn("A failed dashboard login for user '{}' from {} could not be counted: {}", login.getName(),
                        details.getRemoteAddress(), e.getMessage());
            }
        }
    }
}
