package network.noderr.controlplane.security;

import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.stereotype.Component;

/** Notes each successful dashboard (password) login for the Users screen; API token use is tracked per token. */
@Component
class LoginRecorder {

    private final UserAccounts users;

    LoginRecorder(UserAccounts users) {
        this.users = users;
    }

    @EventListener
    void onSuccess(AuthenticationSuccessEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken login) {
            users.recordLogin(login.getName());
        }
    }
}
