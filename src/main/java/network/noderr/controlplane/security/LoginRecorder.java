package network.noderr.controlplane.security;

import java.time.Clock;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.stereotype.Component;

/**
 * Notes each successful dashboard (password) login for the Users screen, and in the session when it logged in (a
 * later password change ends it); API token use is tracked per token.
 */
@Component
class LoginRecorder {

    private final UserAccounts users;
    private final Clock clock;

    LoginRecorder(UserAccounts users, Clock clock) {
        this.users = users;
        this.clock = clock;
    }

    @EventListener
    void onSuccess(AuthenticationSuccessEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken login) {
            users.recordLogin(login.getName());
            SessionLogins.markCurrent(clock.instant(), true);
        }
    }
}
