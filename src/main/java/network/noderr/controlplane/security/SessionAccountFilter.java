package network.noderr.controlplane.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import network.noderr.controlplane.shared.RequestPaths;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Keeps dashboard sessions in step with the users table, as API tokens are: on every request of a logged-in session
 * (one indexed lookup) a user who was disabled or deleted, or whose password changed after this session logged in,
 * is logged out, and a changed role replaces the session's authorities. Runs right after the session's security context is loaded, so the rest of the chain and Hilla's
 * access checks already see the result. Works the same on every replica because the database is the source.
 */
class SessionAccountFilter extends OncePerRequestFilter {

    private final UserAccounts users;
    private final HttpSessionSecurityContextRepository sessions = new HttpSessionSecurityContextRepository();

    SessionAccountFilter(UserAccounts users) {
        this.users = users;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // Static bundles need no account; everything else (views, Hilla calls, push) does.
        return RequestPaths.of(request).startsWith("/VAADIN/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        var auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth instanceof UsernamePasswordAuthenticationToken login && login.isAuthenticated()) {
            var stored = users.findStored(login.getName());
            var account = stored.map(UserRepository.StoredUser::account);
            var session = request.getSession(false);
            if (account.isEmpty() || !account.get().enabled()
                    || SessionLogins.outlived(session, stored.get().passwordChangedAt())) {
                if (session != null) {
                    session.invalidate();
                }
                SecurityContextHolder.clearContext();
            } else {
                var roles = new HashSet<GrantedAuthority>(account.get().role().authorities());
                if (!roles.equals(roleAuthorities(login))) {
                    // Keep what is not a role (Spring Security's factor authorities such as FACTOR_PASSWORD).
                    var authorities = new ArrayList<GrantedAuthority>(roles);
                    login.getAuthorities().stream().filter(a -> !isRole(a)).forEach(authorities::add);
                    var refreshed = UsernamePasswordAuthenticationToken.authenticated(
                            login.getPrincipal(), null, authorities);
                    refreshed.setDetails(login.getDetails());
                    var context = SecurityContextHolder.createEmptyContext();
                    context.setAuthentication(refreshed);
                    SecurityContextHolder.setContext(context);
                    sessions.saveContext(context, request, response);
                }
            }
        }
        chain.doFilter(request, response);
    }

    private static Set<GrantedAuthority> roleAuthorities(UsernamePasswordAuthenticationToken login) {
        return login.getAuthorities().stream().filter(SessionAccountFilter::isRole).collect(Collectors.toSet());
    }

    private static boolean isRole(GrantedAuthority authority) {
        return authority.getAuthority() != null && authority.getAuthority().startsWith("ROLE_");
    }
}
