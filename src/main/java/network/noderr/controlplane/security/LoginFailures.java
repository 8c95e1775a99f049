package network.noderr.controlplane.security;

import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.stereotype.Component;

/** Counts each failed dashboard password login (wrong password or unknown user) against {@link LoginThrottle}. */
@Component
class LoginFailures {

    private final LoginThrottle throttle;

    LoginFailures(LoginThrottle throttle) {
        this.throttle = throttle;
    }

    @EventListener
    void onBadCredentials(AuthenticationFailureBadCredentialsEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken login
                && login.getDetails() instanceof WebAuthenticationDetails details) {
            throttle.failed(details.getRemoteAddress(), login.getName());
        }
    }
}
