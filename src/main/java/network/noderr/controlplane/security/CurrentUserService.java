package network.noderr.controlplane.security;

import com.vaadin.flow.server.auth.AnonymousAllowed;
import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.PermitAll;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/** Tells the dashboard who is logged in (null when nobody is), for the user menu and role-aware views. */
@BrowserCallable
@PermitAll
public class CurrentUserService {

    private final UserAccounts users;

    CurrentUserService(UserAccounts users) {
        this.users = users;
    }

    /**
     * Open to anonymous callers, so that the login page learns "nobody" from a null answer rather than from a 401
     * the browser logs as an error.
     */
    @AnonymousAllowed
    public @Nullable CurrentUser getUserInfo() {
        var auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated() || auth instanceof AnonymousAuthenticationToken) {
            return null;
        }
        var roles = auth.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith("ROLE_"))
                .map(a -> a.substring("ROLE_".length()))
                .toList();
        var role = users.findByUsername(auth.getName()).map(u -> u.role().name()).orElse(Role.VIEWER.name());
        return new CurrentUser(auth.getName(), role, roles);
    }
}
